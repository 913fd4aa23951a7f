import type { ServerResponse } from 'node:http';

const TEXT: Record<number, [string, string]> = {
  400: ['Bad Request', 'The request could not be understood.'],
  401: ['Unauthorized', 'This server could not verify that you are authorized to access the document you requested.'],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', 'The method is not allowed for this resource.'],
  406: ['Not Acceptable', 'The resource is not available in a format acceptable to your browser.'],
  408: ['Request Timeout', 'The server has waited too long for the request to be sent by the client.'],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  411: ['Length Required', 'Missing Content-Length or Transfer-Encoding: chunked.'],
  412: ['Precondition Failed', 'A precondition for this request was not met.'],
  413: ['Request Entity Too Large', 'The body of your request was too large for this server.'],
  414: ['Request URI Too Long', 'The request URI was too long for this server.'],
  416: ['Requested Range Not Satisfiable', 'The Range requested is not available.'],
  422: ['Unprocessable Entity', 'Unable to process the contained instructions'],
  431: ['Request Header Fields Too Large', 'The request header fields were too large for this server.'],
  499: ['Client Disconnect', 'The client disconnected during the request.'],
  503: ['Service Unavailable', 'The server is currently unavailable. Please try again at a later time.'],
};

/** A status's reason phrase and Swift's error body for it: `<html><h1>Title</h1><p>explanation</p></html>`. */
export function swiftErrorBody(status: number, detail?: string): { title: string; body: string } {
  const [title, text] = TEXT[status] ?? ['Internal Server Error', 'An error occurred.'];
  return { title, body: `<html><h1>${title}</h1><p>${(detail ?? text).replace(/[<>&]/g, '')}</p></html>` };
}

/** Swift's error answer: text/html, `<html><h1>Title</h1><p>explanation</p></html>`. */
export function sendSwiftError(res: ServerResponse, status: number, detail?: string, headers: Record<string, string> = {}): void {
  const { body } = swiftErrorBody(status, detail);
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { ...headers, 'content-type': 'text/html; charset=UTF-8', 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export class SwiftError extends Error {
  constructor(
    readonly status: number,
    /** what the body says instead of Swift's standard explanation */
    readonly detail?: string,
    /** headers the error response carries (e.g. `Allow` on a 405) */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? String(status));
  }
}
