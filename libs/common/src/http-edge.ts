import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { acceptRequestId, newRequestId, REQUEST_ID_HEADER } from './context';
import { sendFault } from './fault.filter';
import { FaultStyle, renderFault, statusTitle } from './faults';

/**
 * Kumo's answers to the errors raised before a request reaches a route, so that every response —
 * even these — carries x-openstack-request-id and the service's OpenStack fault body:
 * - `frameworkErrorHandler`: Fastify's router errors (FST_ERR_BAD_URL for `GET /%`,
 *   FST_ERR_MAX_PARAM_LENGTH → 414), which skip the request hooks and the error handler;
 * - `clientErrorHandler`: what Node's HTTP parser refuses before Fastify sees a request (bad
 *   request line or method, invalid header characters, bad chunked encoding, headers too large,
 *   request timeout): a raw HTTP answer written on the socket, with a fresh request id.
 */
export interface EdgeOptions {
  style: FaultStyle;
  logger: Logger;
  /** Extra response headers that repeat the request id. */
  aliases: string[];
}

export function frameworkErrorHandler(opts: EdgeOptions) {
  return (err: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void => {
    const requestId = acceptRequestId(request.headers[REQUEST_ID_HEADER]);
    (request as unknown as { requestId: string }).requestId = requestId;
    reply.header(REQUEST_ID_HEADER, requestId);
    for (const alias of opts.aliases) reply.header(alias, requestId);
    opts.logger.info({ requestId, method: request.method, code: err.code, status: (err as { statusCode?: number }).statusCode }, 'request refused by the router');
    sendFault(opts.style, opts.logger, err, request, reply);
  };
}

/** The status Node itself would answer for a parser error (lib/_http_server.js socketOnError). */
function clientErrorStatus(code: string | undefined): number {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return 413;
  return 400;
}

const CLIENT_ERROR_MESSAGES: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'The request was not received in time.',
  HPE_HEADER_OVERFLOW: 'The request headers are larger than the server accepts (16 KiB in all).',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'The chunk extensions of the request body are too large.',
  HPE_INVALID_METHOD: 'The request line does not start with a valid HTTP method.',
  HPE_INVALID_URL: 'The request line does not carry a valid URL.',
  HPE_INVALID_VERSION: 'The request line does not end with a valid HTTP version.',
  HPE_INVALID_CONSTANT: 'The request is not valid HTTP.',
  HPE_INVALID_HEADER_TOKEN: 'A request header has an invalid character in its name or value.',
  HPE_INVALID_CHUNK_SIZE: 'The chunked request body has an invalid chunk size.',
  HPE_INVALID_TRANSFER_ENCODING: 'The request has an invalid Transfer-Encoding.',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'The request has both Content-Length and Transfer-Encoding: chunked.',
  HPE_INVALID_CONTENT_LENGTH: 'The request has an invalid Content-Length.',
  HPE_LF_EXPECTED: 'The request is not valid HTTP: a line does not end with CRLF.',
  HPE_CR_EXPECTED: 'The request is not valid HTTP: a line does not end with CRLF.',
};

export function clientErrorHandler(opts: EdgeOptions) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    // A reset connection has nobody to answer (Node's own handler does the same).
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const current = (socket as unknown as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !current?.headersSent) {
      const status = clientErrorStatus(err.code);
      const message = CLIENT_ERROR_MESSAGES[err.code ?? ''] ?? 'The request is not valid HTTP.';
      const rendered = renderFault(opts.style, { status, message }, undefined);
      const requestId = newRequestId();
      const body = Buffer.from(rendered.body);
      const headers: Record<string, string> = {
        'Content-Type': rendered.contentType,
        'Content-Length': String(body.length),
        [REQUEST_ID_HEADER]: requestId,
        ...Object.fromEntries(opts.aliases.map((a) => [a, requestId])),
        ...rendered.headers,
        Connection: 'close',
      };
      const head = `HTTP/1.1 ${status} ${statusTitle(status)}\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`;
      opts.logger.info({ requestId, code: err.code, status }, 'request refused by the HTTP parser');
      // a HEAD answer has no body (the parser keeps the bytes it refused; best effort)
      const isHead = (err as { rawPacket?: Buffer }).rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
      socket.write(isHead ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]));
    }
    socket.destroy();
  };
}
