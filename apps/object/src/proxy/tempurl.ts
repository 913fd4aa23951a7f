import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a temporary URL's query carries. */
export interface TempUrlParams {
  sig: string;
  expires: number;
  prefix?: string;
  filename?: string;
  inline: boolean;
}

export const TEMPURL_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];
export const TEMPURL_DIGESTS = ['sha1', 'sha256', 'sha512'] as const;
type Digest = (typeof TEMPURL_DIGESTS)[number];

/** The temp_url_* parameters of a query, or null when it has none; a malformed one is null too (→ 401). */
export function parseTempUrl(q: URLSearchParams): TempUrlParams | null {
  const sig = q.get('temp_url_sig');
  const rawExpires = q.get('temp_url_expires');
  if (sig === null || rawExpires === null) return null;
  let expires: number;
  if (/^\d+$/.test(rawExpires)) expires = Number(rawExpires);
  else {
    // ISO 8601 in UTC, as `swift tempurl --iso8601` writes it
    const t = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(rawExpires) ? Date.parse(rawExpires) : NaN;
    if (Number.isNaN(t)) return null;
    expires = t / 1000;
  }
  return { sig, expires, prefix: q.get('temp_url_prefix') ?? undefined, filename: q.get('filename') ?? undefined, inline: q.has('inline') };
}

/** The digest and raw bytes of a signature: hex (its length says the digest) or `<digest>:<base64>`. */
function decodeSig(sig: string): { digest: Digest; bytes: Buffer } | null {
  const prefixed = /^(sha1|sha256|sha512):([A-Za-z0-9+/_-]+=*)$/.exec(sig);
  if (prefixed) return { digest: prefixed[1] as Digest, bytes: Buffer.from(prefixed[2].replace(/-/g, '+').replace(/_/g, '/'), 'base64') };
  if (!/^[0-9a-f]+$/i.test(sig)) return null;
  const digest = ({ 40: 'sha1', 64: 'sha256', 128: 'sha512' } as Record<number, Digest>)[sig.length];
  return digest ? { digest, bytes: Buffer.from(sig, 'hex') } : null;
}

/**
 * True when `params` is a valid, unexpired signature of `method` on `path` (`/v1/<account>/<container>/<object>`,
 * decoded) by one of `keys` — Swift's tempurl: HMAC(key, "METHOD\nEXPIRES\nPATH"), or with
 * temp_url_prefix "METHOD\nEXPIRES\nprefix:/v1/<account>/<container>/<prefix>". A HEAD may use a GET,
 * HEAD or PUT signature.
 */
export function validTempUrl(params: TempUrlParams, method: string, path: string, keys: string[], now = Date.now() / 1000): boolean {
  if (params.expires < now || keys.length === 0) return false;
  const decoded = decodeSig(params.sig);
  if (!decoded) return false;
  let signed = path;
  if (params.prefix !== undefined) {
    const m = /^(\/v1\/[^/]+\/[^/]+\/)(.*)$/.exec(path);
    if (!m || !m[2].startsWith(params.prefix)) return false;
    signed = `prefix:${m[1]}${params.prefix}`;
  }
  const methods = method === 'HEAD' ? ['GET', 'HEAD', 'PUT'] : [method];
  const expires = String(Math.floor(params.expires));
  for (const key of keys) {
    for (const m of methods) {
      const mac = createHmac(decoded.digest, key).update(`${m}\n${expires}\n${signed}`).digest();
      if (mac.length === decoded.bytes.length && timingSafeEqual(mac, decoded.bytes)) return true;
    }
  }
  return false;
}

/** Python's urllib quote(): UTF-8 bytes percent-encoded except letters, digits, `_.-~` and `safe`. */
function pyQuote(s: string, safe = '/'): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9_.~-]/.test(c) || safe.includes(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Content-Disposition of a temp URL GET: attachment with the object's (or the given) file name, or
 * inline — Swift's disposition_format: the name percent-encoded in both forms, so a CR, LF or quote
 * in `filename=` cannot break the header.
 */
export function tempUrlDisposition(params: TempUrlParams, object: string): string {
  const name = params.filename ?? object.split('/').pop() ?? object;
  const format = (type: string) => `${type}; filename="${pyQuote(name, ' /')}"; filename*=UTF-8''${pyQuote(name)}`;
  if (params.inline) return params.filename !== undefined ? format('inline') : 'inline';
  return format('attachment');
}
