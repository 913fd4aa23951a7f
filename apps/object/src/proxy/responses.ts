import type { ServerResponse } from 'node:http';
import type { BackendResponse } from '../common/backend';
import { STORAGE_POLICY } from './info';
import { sendSwiftError } from './swift-errors';

/** A text answer; an error status (a backend's 404 or 503 passed on) gets Swift's error body instead. */
export function plain(res: ServerResponse, status: number, body: string, headers: Record<string, string | number> = {}): void {
  if (status >= 400) return sendSwiftError(res, status, body || undefined, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])));
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** A JSON answer (200); no body for a HEAD. */
export function sendJson(res: ServerResponse, doc: unknown): void {
  const body = JSON.stringify(doc);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** The headers of an account's or container's HEAD/GET, from a storage node's answer. */
export function statHeaders(r: BackendResponse, kind: 'account' | 'container'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) {
    if (k.startsWith(`x-${kind}-`) || k === 'x-timestamp' || k === 'x-put-timestamp' || /^x-(container-read|container-write|versions-location|history-location)$/.test(k)) {
      out[k] = String(v);
    }
  }
  if (kind === 'container') out['x-storage-policy'] = STORAGE_POLICY;
  if (kind === 'account' && Number(out['x-account-container-count'] ?? 0) > 0) {
    // Swift's per-policy figures (every container is in the one policy)
    const prefix = `x-account-storage-policy-${STORAGE_POLICY.toLowerCase()}`;
    out[`${prefix}-container-count`] = out['x-account-container-count'];
    out[`${prefix}-object-count`] = out['x-account-object-count'] ?? '0';
    out[`${prefix}-bytes-used`] = out['x-account-bytes-used'] ?? '0';
  }
  return out;
}
