import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { FaultStyle, renderFault, toFault } from './faults';
import { methodsAt } from './route-table';

/**
 * The one exception filter of an HTTP app: renders every error in the service's OpenStack style.
 * A 5xx is logged with its stack and the request id; the client gets a generic message.
 */
@Catch()
export class FaultFilter implements ExceptionFilter {
  constructor(
    private readonly style: FaultStyle,
    private readonly logger: Logger,
  ) {}

  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    sendFault(this.style, this.logger, err, request, reply);
  }
}

export function sendFault(style: FaultStyle, logger: Logger, err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  let fault = toFault(err);
  // no route matched: a path that other methods serve answers 405 with Allow, as Keystone and Glance do
  const allow = fault.status === 404 && !request.routeOptions?.url ? methodsAt(request.server, request.url.split('?')[0]) : [];
  if (allow.length) {
    fault = { ...fault, type: undefined, status: 405, message: `The method ${request.method} is not allowed for this resource: it accepts ${allow.join(', ')}.` };
    reply.header('allow', allow.join(', '));
  }
  if (fault.internal) {
    logger.error({ err, method: request.method, url: request.url }, 'unexpected error');
  } else if (fault.status >= 500) {
    logger.warn({ status: fault.status, msg: fault.message }, 'request failed');
  }
  const rendered = renderFault(style, fault, request.headers.accept);
  if (reply.sent) return;
  reply.status(rendered.status).headers(rendered.headers).type(rendered.contentType);
  void reply.send(request.method === 'HEAD' ? undefined : rendered.body);
}
