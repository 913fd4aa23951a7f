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
    destination ?? bufferedDestination(1),
  );
}

/**
 * A file descriptor (standard output for services), written in blocks of 4 KiB and at least every 250 ms instead of one write(2) per
 * line: a service that logs every request (the object proxy) spent ~0.15 ms of CPU per request on it,
 * a fifth of a small PUT's cost in the proxy. pino flushes what is left when the process exits; a
 * process killed outright loses at most the last 250 ms of lines.
 */
export function bufferedDestination(fd: number): pino.DestinationStream {
  const out = pino.destination({ dest: fd, sync: false, minLength: 4096 });
  let pending = false;
  setInterval(() => {
    if (!pending) return;
    pending = false;
    try {
      out.flush();
    } catch {
      // closed at exit: pino flushed it
    }
  }, 250).unref();
  return {
    write(line: string) {
      pending = true;
      return out.write(line);
    },
  };
}

/**
 * A file descriptor written one line at a time, synchronously: for command-line tools, whose log lines
 * must come out in order with what else they print and before they exit.
 */
export function lineDestination(fd: number): pino.DestinationStream {
  return pino.destination({ dest: fd, sync: true });
}
