import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Logger } from '@kumo/common';
import { swiftErrorBody } from './swift-errors';

/** A Swift transaction id: `tx<21 hex>-<10 hex of the epoch seconds>` (X-Trans-Id, X-Openstack-Request-Id). */
export function txId(): string {
  return `tx${randomBytes(11).toString('hex').slice(0, 21)}-${Math.floor(Date.now() / 1000).toString(16).padStart(10, '0')}`;
}

/** The longest request line (method, URL, version) taken, as Swift's eventlet server (MAX_REQUEST_LINE): 414 past it. */
export const MAX_REQUEST_LINE = 8192;

/** What each of Node's parser errors means to the client (Swift's status and a sentence). */
const PARSER_ERRORS: Record<string, [number, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'The request was not received in time.'],
  HPE_HEADERS_TIMEOUT: [408, 'The request headers were not received in time.'],
  HPE_HEADER_OVERFLOW: [431, 'The request headers are larger than the server accepts (16 KiB in all).'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'The chunk extensions of the request body are too large.'],
  HPE_INVALID_URL: [400, 'Bad URL: the request line does not carry a valid URL.'],
  HPE_INVALID_METHOD: [400, 'The request line does not start with a valid HTTP method.'],
  HPE_INVALID_VERSION: [400, 'The request line does not end with a valid HTTP version.'],
  HPE_INVALID_CONSTANT: [400, 'The request is not valid HTTP.'],
  HPE_INVALID_HEADER_TOKEN: [400, 'A request header has an invalid character in its name or value.'],
  HPE_INVALID_CHUNK_SIZE: [400, 'The chunked request body has an invalid chunk size.'],
  HPE_INVALID_TRANSFER_ENCODING: [400, 'The request has an invalid Transfer-Encoding.'],
  HPE_UNEXPECTED_CONTENT_LENGTH: [400, 'The request has both Content-Length and Transfer-Encoding: chunked.'],
  HPE_INVALID_CONTENT_LENGTH: [400, 'The request has an invalid Content-Length.'],
  HPE_LF_EXPECTED: [400, 'The request is not valid HTTP: a line does not end with CRLF.'],
  HPE_CR_EXPECTED: [400, 'The request is not valid HTTP: a line does not end with CRLF.'],
};

/**
 * The proxy's answer to what Node's HTTP parser refuses before a request exists (server
 * 'clientError'): Swift's status and error body with a transaction id, written raw on the socket,
 * instead of Node's bare status line or a silent close. A request line longer than
 * MAX_REQUEST_LINE is a 414, as in Swift.
 */
export function answerClientError(err: Error & { code?: string; rawPacket?: Buffer }, socket: Socket, logger: Logger): void {
  // a reset connection has nobody to answer (Node's own handler does the same)
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const current = (socket as unknown as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !current?.headersSent) {
    let [status, message] = PARSER_ERRORS[err.code ?? ''] ?? [400, 'The request is not valid HTTP.'];
    const raw = err.rawPacket;
    const lineEnd = raw ? raw.indexOf('\r\n') : -1;
    if (err.code === 'HPE_HEADER_OVERFLOW' && raw && (lineEnd < 0 || lineEnd > MAX_REQUEST_LINE)) [status, message] = [414, `The request line is longer than ${MAX_REQUEST_LINE} bytes.`];
    const id = txId();
    const { title, body } = swiftErrorBody(status, message);
    // a HEAD answer has no body (the parser keeps the bytes it refused; best effort)
    const head = raw?.subarray(0, 5).toString('latin1') === 'HEAD ';
    const lines = [
      `HTTP/1.1 ${status} ${title}`,
      'Content-Type: text/html; charset=UTF-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Trans-Id: ${id}`,
      `X-Openstack-Request-Id: ${id}`,
      'Connection: close',
    ];
    logger.info({ txId: id, code: err.code, status }, 'request refused by the HTTP parser');
    socket.end(`${lines.join('\r\n')}\r\n\r\n${head ? '' : body}`, 'latin1');
    return;
  }
  socket.destroy();
}
