import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SwiftError } from './swift-errors';

type Row = { name: string; timestamp: string; size: number; contentType?: string; etag?: string; count?: number } | { subdir: string };

/**
 * Swift's `Timestamp(ts).isoformat`: UTC, microseconds always shown (`2026-12-03T13:16:45.123450`).
 * Kumo's timestamps have five decimals (and may carry an `_offset`), so the digits are taken as
 * they are rather than through a float.
 */
export function isoTime(ts: string): string {
  const [whole, frac = ''] = ts.split('_')[0].split('.');
  const seconds = new Date(Number(whole) * 1000).toISOString().slice(0, 19);
  return `${seconds}.${frac.padEnd(6, '0').slice(0, 6)}`;
}

/** Python's `json.dumps` of a string (ensure_ascii: everything outside space..~ escaped, lowercase hex). */
function pyString(s: string): string {
  const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  // per UTF-16 code unit: Python writes a code point beyond the BMP as its surrogate pair
  // eslint-disable-next-line no-control-regex
  return `"${s.replace(/["\\\u0000-\u001f\u007f-\uffff]/g, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** Python's `json.dumps(listing)` (default separators `, ` and `: `, keys in insertion order). */
function pyJson(items: Array<Record<string, string | number>>): string {
  const obj = (o: Record<string, string | number>) =>
    `{${Object.entries(o)
      .map(([k, v]) => `${pyString(k)}: ${typeof v === 'number' ? String(v) : pyString(v)}`)
      .join(', ')}}`;
  return `[${items.map(obj).join(', ')}]`;
}

/** ElementTree's text escaping (`&`, `<`, `>`). */
function xmlText(s: string): string {
  return s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
}

/** ElementTree's attribute escaping (Python 3.11: also `"`, and newline, CR, tab as character references). */
function xmlAttr(s: string): string {
  return s.replace(/[&<>"\n\r\t]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\n': '&#10;', '\r': '&#13;', '\t': '&#09;' })[c]!);
}

/** An element with text only, as ElementTree writes it: `<tag />` when the text is empty. */
function leaf(tag: string, text: string): string {
  return text === '' ? `<${tag} />` : `<${tag}>${xmlText(text)}</${tag}>`;
}

/** A query string's percent-encoded text as bytes (`+` is a space), without judging their encoding. */
function queryBytes(s: string): Buffer {
  const parts: Buffer[] = [];
  const text = s.replace(/\+/g, ' ');
  let i = 0;
  while (i < text.length) {
    const hex = text[i] === '%' ? /^[0-9a-fA-F]{2}/.exec(text.slice(i + 1, i + 3)) : null;
    if (hex) {
      parts.push(Buffer.from([parseInt(hex[0], 16)]));
      i += 3;
    } else {
      const cp = text.codePointAt(i)!;
      parts.push(Buffer.from(String.fromCodePoint(cp), 'utf8'));
      i += cp > 0xffff ? 2 : 1;
    }
  }
  return Buffer.concat(parts);
}

/**
 * Swift's get_param: a listing parameter whose bytes are not UTF-8 is a 400 (`"marker" parameter
 * not valid UTF-8`); URLSearchParams would quietly read them as U+FFFD and list something else.
 */
export function checkUtf8Params(url: string | undefined, names: readonly string[]): void {
  const q = url?.indexOf('?') ?? -1;
  if (q < 0) return;
  for (const pair of url!.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    const key = queryBytes(eq < 0 ? pair : pair.slice(0, eq)).toString('utf8');
    if (names.includes(key) && !isUtf8(queryBytes(eq < 0 ? '' : pair.slice(eq + 1)))) throw new SwiftError(400, `"${key}" parameter not valid UTF-8`);
  }
}

/** The parameters Swift's account and container servers read with get_param (besides format). */
const LISTING_PARAMS = ['marker', 'end_marker', 'prefix', 'delimiter', 'path', 'reverse', 'limit'];

/** The listing's content type, as Swift's listing_formats picks it: `format=` wins, then Accept. */
export type ListingType = 'text/plain' | 'application/json' | 'application/xml' | 'text/xml';
const FORMATS: Record<string, ListingType> = { plain: 'text/plain', json: 'application/json', xml: 'application/xml' };
const OFFERS: ListingType[] = ['text/plain', 'application/json', 'application/xml', 'text/xml'];
const TOKEN = `[^()<>@,;:\\\\"/\\[\\]?={}\\x00-\\x20\\x7f]+`;
const ACCEPT_RANGE = new RegExp(`^\\s*(${TOKEN})/(${TOKEN})((?:\\s*;\\s*(?:${TOKEN})\\s*=\\s*(?:${TOKEN}|"(?:[^"]|\\\\.)*"))*?\\s*)$`);

/**
 * swob's `Accept.best_match` over Swift's offers: ranges by quality (a q=0 range still matches, as
 * in swob), exact before wildcard; no Accept means text/plain. Throws 400 on a malformed header,
 * 406 when nothing offered matches.
 */
export function listingType(req: IncomingMessage, query: URLSearchParams): ListingType {
  checkUtf8Params(req.url, ['format']);
  const f = query.get('format');
  if (f) return FORMATS[f.toLowerCase()] ?? 'text/plain';
  const header = req.headers.accept;
  if (!header) return 'text/plain';
  const ranges: Array<{ re: RegExp; q: number; exact: boolean }> = [];
  for (const part of header.split(',')) {
    const m = ACCEPT_RANGE.exec(part);
    if (!m) throw new SwiftError(400, 'Invalid Accept header');
    let q = 1;
    let seenQ = false;
    for (const p of m[3].split(';').map((x) => x.trim()).filter(Boolean)) {
      const [name, value = ''] = p.split('=').map((x) => x.trim());
      if (name !== 'q') continue;
      if (seenQ) throw new SwiftError(400, 'Invalid Accept header');
      seenQ = true;
      q = Number(value);
      if (!Number.isFinite(q)) throw new SwiftError(400, 'Invalid Accept header');
    }
    const esc = (s: string) => (s === '*' ? TOKEN : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    ranges.push({ re: new RegExp(`^${esc(m[1])}/${esc(m[2])}$`), q, exact: m[1] !== '*' && m[2] !== '*' });
  }
  // stable: equal ranges keep the header's order
  ranges.sort((a, b) => b.q - a.q || Number(b.exact) - Number(a.exact));
  for (const r of ranges) for (const o of OFFERS) if (r.re.test(o)) return o;
  throw new SwiftError(406, 'The resource is not available in a format acceptable to your browser.');
}

/** The listing format: `format=` wins, then Accept (json, xml), else plain text. */
export function listingFormat(req: IncomingMessage, query: URLSearchParams): 'json' | 'xml' | 'plain' {
  const t = listingType(req, query);
  return t === 'text/plain' ? 'plain' : t === 'application/json' ? 'json' : 'xml';
}

/** The listing body Swift's proxy (listing_formats) sends, byte for byte. */
export function listingBody(kind: 'account' | 'container', name: string, rows: Row[], format: 'json' | 'xml' | 'plain'): string {
  if (format === 'json') {
    return pyJson(
      rows.map((r): Record<string, string | number> => {
        if ('subdir' in r) return { subdir: r.subdir };
        if (kind === 'account') return { name: r.name, count: r.count ?? 0, bytes: r.size, last_modified: isoTime(r.timestamp) };
        return { bytes: r.size, hash: r.etag ?? '', name: r.name, content_type: r.contentType ?? '', last_modified: isoTime(r.timestamp) };
      }),
    );
  }
  if (format === 'xml') {
    const head = '<?xml version="1.0" encoding="UTF-8"?>\n';
    if (kind === 'account') {
      // account_to_xml: a newline after the opening tag and after each entry
      const items = rows.map((r) =>
        'subdir' in r
          ? `<subdir name="${xmlAttr(r.subdir)}" />\n`
          : `<container>${leaf('name', r.name)}${leaf('count', String(r.count ?? 0))}${leaf('bytes', String(r.size))}${leaf('last_modified', isoTime(r.timestamp))}</container>\n`,
      );
      return `${head}<account name="${xmlAttr(name)}">\n${items.join('')}</account>`;
    }
    const items = rows.map((r) =>
      'subdir' in r
        ? `<subdir name="${xmlAttr(r.subdir)}">${leaf('name', r.subdir)}</subdir>`
        : `<object>${leaf('name', r.name)}${leaf('hash', r.etag ?? '')}${leaf('bytes', String(r.size))}${leaf('content_type', r.contentType ?? '')}${leaf('last_modified', isoTime(r.timestamp))}</object>`,
    );
    return items.length ? `${head}<container name="${xmlAttr(name)}">${items.join('')}</container>` : `${head}<container name="${xmlAttr(name)}" />`;
  }
  return rows.map((r) => `${'subdir' in r ? r.subdir : r.name}\n`).join('');
}

/**
 * The headers of a listing (GET) or of its HEAD, as Swift's listing_formats sets them: the content
 * type negotiated (400/406 as for a GET), `Vary: Accept` unless `format=` chose, `Accept-Ranges`.
 */
export function listingHeaders(req: IncomingMessage, query: URLSearchParams, type = listingType(req, query)): Record<string, string> {
  const out: Record<string, string> = { 'content-type': `${type}; charset=utf-8`, 'accept-ranges': 'bytes' };
  if (!query.has('format')) out.vary = 'Accept';
  return out;
}

/** Renders an account or container listing the way Swift does. */
export function renderListing(
  req: IncomingMessage,
  res: ServerResponse,
  kind: 'account' | 'container',
  name: string,
  rows: Row[],
  headers: Record<string, string>,
  query: URLSearchParams,
): void {
  const type = listingType(req, query);
  checkUtf8Params(req.url, LISTING_PARAMS);
  const body = listingBody(kind, name, rows, type === 'text/plain' ? 'plain' : type === 'application/json' ? 'json' : 'xml');
  // an empty body (a plain listing of nothing) is a 204
  const status = body === '' ? 204 : 200;
  res.writeHead(status, { ...headers, ...listingHeaders(req, query, type), 'content-length': Buffer.byteLength(body) });
  res.end(status === 204 ? undefined : body);
}
