import { currentContext, REQUEST_ID_HEADER } from './context';

/**
 * fetch() that carries the current request id to the service it calls, so that one id follows a
 * request through all services and their logs. Times out after `timeoutMs` (default 30 s).
 */
export async function kumoFetch(url: string | URL, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const ctx = currentContext();
  if (ctx && !headers.has(REQUEST_ID_HEADER)) headers.set(REQUEST_ID_HEADER, ctx.requestId);
  const { timeoutMs = 30_000, ...rest } = init;
  return fetch(url, { ...rest, headers, signal: rest.signal ?? AbortSignal.timeout(timeoutMs) });
}
