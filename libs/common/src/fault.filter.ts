import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { FaultStyle, renderFault, toFault } from './faults';

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
  const fault = toFault(err);
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
