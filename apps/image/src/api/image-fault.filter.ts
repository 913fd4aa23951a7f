import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger, statusTitle, toFault } from '@kumo/common';

/**
 * The image service's error body, whatever the request's Accept header:
 * `{"error": {"message": "...", "code": "404 Not Found", "title": "Not Found"}}` as `application/json`.
 *
 * The inner object is Glance's own JSON fault (webob's, sent when Accept is application/json). It is
 * wrapped in one key because glanceclient reads `value.message` of every top-level value (a flat body
 * makes it crash with AttributeError), while openstacksdk reads the message either way. Real Glance
 * picks by Accept: text/plain without one (openstacksdk then shows only the reason phrase), HTML for
 * any type, JSON for application/json; one JSON body serves every client (docs/image.md).
 */
export function imageFaultBody(status: number, message: string): string {
  const title = statusTitle(status);
  return JSON.stringify({ error: { message, code: `${status} ${title}`, title } });
}

/** The one exception filter of the image app (it replaces the shared Glance renderer). */
@Catch()
export class ImageFaultFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendImageFault(this.logger, err, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}

export function sendImageFault(logger: Logger, err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const fault = toFault(err);
  if (fault.internal) logger.error({ err, method: request.method, url: request.url }, 'unexpected error');
  else if (fault.status >= 500) logger.warn({ status: fault.status, msg: fault.message }, 'request failed');
  if (reply.sent) return;
  const www = fault.details?.wwwAuthenticate;
  if (fault.status === 401 && typeof www === 'string') reply.header('www-authenticate', www);
  const retryAfter = fault.details?.retryAfter;
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  const acceptPatch = fault.details?.acceptPatch;
  if (typeof acceptPatch === 'string') reply.header('accept-patch', acceptPatch);
  reply.status(fault.status).type('application/json');
  void reply.send(request.method === 'HEAD' ? undefined : imageFaultBody(fault.status, fault.message));
}
