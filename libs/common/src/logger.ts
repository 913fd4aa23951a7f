import pino, { Logger } from 'pino';
import { currentContext } from './context';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'secret',
  '*.secret',
  'original_password',
  '*.original_password',
  'authToken',
  '*.authToken',
  'token',
  'req.headers["x-auth-token"]',
  'req.headers["x-subject-token"]',
  'headers["x-auth-token"]',
];

/**
 * pino JSON logger for a service; every line carries the current request id, user and project
 * (from the request context) so that one id can be followed through all services' logs.
 */
export function createLogger(service: string, level = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: service,
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '***' },
      mixin() {
        const ctx = currentContext();
        if (!ctx) return {};
        return { requestId: ctx.requestId, userId: ctx.userId, projectId: ctx.projectId };
      },
    },
    destination,
  );
}
