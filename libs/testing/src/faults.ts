import type { FuzzRequest, FuzzResponse } from './http';

/** Says what is wrong with an error answer's body, or undefined when it is the service's fault style. */
export type FaultCheck = (res: FuzzResponse, req: FuzzRequest) => string | undefined;

function contentType(res: FuzzResponse): string {
  return String(res.headers['content-type'] ?? '');
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Keystone: `{"error": {"code": <status>, "title": ..., "message": ...}}`. */
export const keystoneFault: FaultCheck = (res, req) => {
  if (req.method === 'HEAD') return undefined;
  if (!contentType(res).startsWith('application/json')) return `content-type ${contentType(res) || '(none)'}, not application/json`;
  const e = (parse(res.body) as { error?: { code?: unknown; title?: unknown; message?: unknown } } | undefined)?.error;
  if (!e || e.code !== res.status || typeof e.title !== 'string' || typeof e.message !== 'string') return 'body is not {"error": {"code", "title", "message"}} with the status as code';
  if (/^FST_|Client Error/.test(e.message)) return `framework message "${e.message}"`;
  return undefined;
};

/**
 * Glance: `application/json` `{"error": {"message", "code": "<status> <title>", "title"}}` (Kumo's
 * one body for every client, docs/image.md); Glance's flat JSON and HTML page are accepted too.
 */
export const glanceFault: FaultCheck = (res, req) => {
  if (req.method === 'HEAD') return undefined;
  const type = contentType(res);
  if (type.startsWith('application/json')) {
    const parsed = parse(res.body) as { error?: unknown } | undefined;
    const b = (parsed && typeof parsed.error === 'object' ? parsed.error : parsed) as { message?: unknown; code?: unknown; title?: unknown } | undefined;
    if (!b || typeof b.message !== 'string' || typeof b.code !== 'string' || !b.code.startsWith(`${res.status} `)) return 'JSON body is not {"error": {"message", "code": "<status> <title>", "title"}}';
    if (/^FST_|Client Error/.test(b.message)) return `framework message "${b.message}"`;
    return undefined;
  }
  if (!type.startsWith('text/html') || !res.body.includes(`<h1>${res.status} `)) return `content-type ${type || '(none)'} and a body that is neither Glance JSON nor its HTML fault page`;
  return undefined;
};

/** Swift: text/html `<html><h1>Title</h1><p>explanation</p></html>`. */
export const swiftFault: FaultCheck = (res, req) => {
  if (req.method === 'HEAD') return undefined;
  const type = contentType(res);
  if (!type.startsWith('text/html')) return `content-type ${type || '(none)'}, not text/html`;
  if (!/^<html><h1>[^<]+<\/h1><p>[^<]*<\/p><\/html>$/.test(res.body)) return 'body is not <html><h1>…</h1><p>…</p></html>';
  return undefined;
};

/** Nova's fault names by status (nova/api/openstack/wsgi.py Fault); any other status is a computeFault. */
const NOVA_FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** Nova (compute): `application/json` `{"<name>": {"code": <status>, "message": ...}}`, the one key named by the status. */
export const novaFault: FaultCheck = (res, req) => {
  if (req.method === 'HEAD') return undefined;
  if (!contentType(res).startsWith('application/json')) return `content-type ${contentType(res) || '(none)'}, not application/json`;
  const parsed = parse(res.body) as Record<string, { code?: unknown; message?: unknown }> | undefined;
  const name = NOVA_FAULT_NAMES[res.status] ?? 'computeFault';
  const keys = parsed && typeof parsed === 'object' ? Object.keys(parsed) : [];
  if (keys.length !== 1 || keys[0] !== name) return `body keys ${JSON.stringify(keys)}, not ["${name}"]`;
  const f = parsed![name];
  if (!f || f.code !== res.status || typeof f.message !== 'string') return `body is not {"${name}": {"code": ${res.status}, "message"}}`;
  if (/^FST_|Client Error/.test(f.message)) return `framework message "${f.message}"`;
  return undefined;
};
