import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, Readable, Writable } from 'node:stream';
import { parseRange, pipePart, rangesForLength, sendByteranges } from './byte-range';
import { sendSwiftError, SwiftError } from './swift-errors';

interface Segment {
  container: string;
  object: string;
  /** the segment object's size */
  bytes: number;
  etag: string;
  /** the part of the segment object used (an SLO segment's `range`), inclusive; absent: all of it */
  range?: [number, number];
}

/** How many bytes of its object a segment contributes. */
function segmentLength(s: Segment): number {
  return s.range ? s.range[1] - s.range[0] + 1 : s.bytes;
}

interface Deps {
  /** The object's bytes (200), or with `range` (`bytes=a-b`) just those (206); null when no replica has them. */
  open(names: string[], range?: string): Promise<IncomingMessage | null>;
  list(account: string, container: string, query: string): Promise<Array<{ name: string; size: number; etag?: string; timestamp: string }> | null>;
}

/** A stored SLO manifest entry (Swift's format, returned by ?multipart-manifest=get). */
interface ManifestEntry {
  name: string;
  hash: string;
  bytes: number;
  content_type: string;
  last_modified: string;
  /** `first-last` (inclusive) of the segment object, when only part of it is used */
  range?: string;
}

const MAX_SEGMENTS = 1000;
const MAX_MANIFEST_SIZE = 8 * 1024 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        reject(new SwiftError(413, `Manifest is larger than ${limit} bytes`));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function splitPath(path: string): [string, string] {
  const m = /^\/?([^/]+)\/(.+)$/.exec(path);
  if (!m) throw new SwiftError(400, `Invalid segment path ${path}: use /container/object`);
  try {
    return [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
  } catch {
    throw new SwiftError(400, `Invalid segment path ${path}: not valid percent-encoded UTF-8`);
  }
}

/**
 * Refuses an X-Object-Manifest that is not `<container>/<prefix>` (Swift's dlo: 400), or whose
 * percent-encoding is not UTF-8 (a GET of it could not be served).
 */
export function checkObjectManifest(value: string): void {
  const i = value.indexOf('/');
  const container = i < 0 ? '' : value.slice(0, i);
  const prefix = i < 0 ? '' : value.slice(i + 1);
  let decodes = true;
  try {
    decodeURIComponent(value);
  } catch {
    decodes = false;
  }
  if (!container || !prefix || value.includes('?') || value.includes('&') || prefix.startsWith('/') || !decodes) {
    throw new SwiftError(400, 'X-Object-Manifest must be in the format container/prefix');
  }
}

/** The large object's ETag: md5 of the concatenated segment etags (`etag:first-last;` for a ranged segment), quoted (Swift's rule). */
function largeEtag(segments: Segment[]): string {
  return `"${createHash('md5').update(segments.map((s) => (s.range ? `${s.etag}:${s.range[0]}-${s.range[1]};` : s.etag)).join('')).digest('hex')}"`;
}

/** A stored entry's `range` (`a-b`), as a segment's. */
function storedRange(range: string | undefined): [number, number] | undefined {
  const m = range ? /^(\d+)-(\d+)$/.exec(range) : null;
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/**
 * Dynamic (X-Object-Manifest: container/prefix) and static (?multipart-manifest=put) large objects:
 * GET streams the segments in order as one object.
 */
export class LargeObjects {
  constructor(private readonly deps: Deps) {}

  /** The segments of a large object (and the header that says which kind), or null for a plain object. */
  async segmentsOf(manifest: IncomingMessage, account: string): Promise<{ segments: Segment[]; extra: Record<string, string> } | null> {
    if (String(manifest.headers['x-static-large-object'] ?? '').toLowerCase() === 'true') {
      const entries = JSON.parse((await readBody(manifest, MAX_MANIFEST_SIZE)).toString('utf8')) as ManifestEntry[];
      const segments = entries.map((e) => {
        const [container, object] = splitPath(e.name);
        return { container, object, bytes: e.bytes, etag: e.hash, range: storedRange(e.range) };
      });
      return { segments, extra: { 'x-static-large-object': 'True' } };
    }
    if (typeof manifest.headers['x-object-manifest'] !== 'string') return null;
    manifest.resume();
    let v = manifest.headers['x-object-manifest'];
    try {
      v = decodeURIComponent(v);
    } catch {
      // (stored before PUTs were checked) taken as it is
    }
    const i = v.indexOf('/');
    const [container, prefix] = i < 0 ? [v, ''] : [v.slice(0, i), v.slice(i + 1)];
    const segments: Segment[] = [];
    let marker = '';
    for (;;) {
      const q = new URLSearchParams({ prefix, limit: '10000' });
      if (marker) q.set('marker', marker);
      const rows = await this.deps.list(account, container, `?${q.toString()}`);
      if (!rows || rows.length === 0) break;
      for (const r of rows) segments.push({ container, object: r.name, bytes: r.size, etag: r.etag ?? '' });
      marker = rows[rows.length - 1].name;
    }
    return { segments, extra: { 'x-object-manifest': String(manifest.headers['x-object-manifest']) } };
  }

  /** GET/HEAD of a large object (`manifest` is its manifest object's GET). */
  async serve(req: IncomingMessage, res: ServerResponse, manifest: IncomingMessage, account: string): Promise<void> {
    const large = await this.segmentsOf(manifest, account);
    if (!large) throw new Error('not a large object');
    return this.stream(req, res, manifest, large.segments, large.extra);
  }

  /**
   * A large object's bytes as a stream (a server-side copy's source: Swift copies the content, not
   * the manifest), the one range `range` asks for when it is satisfiable (416 when none is). Null for
   * a plain object.
   */
  async content(req: IncomingMessage, manifest: IncomingMessage, account: string, range: string | undefined): Promise<{ stream: Readable; length: number } | null> {
    const large = await this.segmentsOf(manifest, account);
    if (!large) return null;
    const total = large.segments.reduce((n, s) => n + segmentLength(s), 0);
    const specs = parseRange(range);
    const ranges = specs ? rangesForLength(specs, total) : [];
    if (specs && ranges.length === 0) throw new SwiftError(416);
    const [first, last] = ranges.length === 1 ? ranges[0] : [0, total - 1];
    const out = new PassThrough();
    void this.writeRange(req, out, large.segments, first, last).then((ok) => (ok ? out.end() : out.destroy(new Error('a segment is missing or changed'))));
    return { stream: out, length: last - first + 1 };
  }

  /**
   * Serves the segments as one object: whole (200), or the one range a `Range` header asks for (206;
   * 416 past the end). A segment that is missing or changed since the manifest was written cuts the
   * body short, so a client never takes a wrong body for a whole one (Swift's SegmentedIterable).
   */
  private async stream(req: IncomingMessage, res: ServerResponse, manifest: IncomingMessage, segments: Segment[], extra: Record<string, string>): Promise<void> {
    const total = segments.reduce((n, s) => n + segmentLength(s), 0);
    const headers: Record<string, string | number> = {
      'content-type': String(manifest.headers['content-type'] ?? 'application/octet-stream'),
      etag: largeEtag(segments),
      'last-modified': String(manifest.headers['last-modified'] ?? ''),
      'x-timestamp': String(manifest.headers['x-timestamp'] ?? ''),
      'accept-ranges': 'bytes',
      ...extra,
    };
    for (const [k, v] of Object.entries(manifest.headers)) if (k.startsWith('x-object-meta-')) headers[k] = String(v);
    const specs = parseRange(req.headers.range);
    const ranges = specs ? rangesForLength(specs, total) : [];
    if (specs && ranges.length === 0) return sendSwiftError(res, 416, undefined, { 'content-range': `bytes */${total}` });
    if (ranges.length > 1) return sendByteranges(req, res, headers, ranges, total, (first, last) => this.writeRange(req, res, segments, first, last));
    const [first, last] = ranges.length === 1 ? ranges[0] : [0, total - 1];
    if (ranges.length === 1) res.writeHead(206, { ...headers, 'content-length': last - first + 1, 'content-range': `bytes ${first}-${last}/${total}` });
    else res.writeHead(200, { ...headers, 'content-length': total });
    if (req.method === 'HEAD') return void res.end();
    if (await this.writeRange(req, res, segments, first, last)) res.end();
    else res.destroy();
  }

  /**
   * Writes bytes first..last (inclusive) of the large object made of `segments` to `res`; false when a
   * segment is missing or changed since the manifest (the caller cuts the body short, as Swift does).
   */
  private async writeRange(req: IncomingMessage, res: Writable, segments: Segment[], first: number, last: number): Promise<boolean> {
    let offset = 0;
    for (const seg of segments) {
      const length = segmentLength(seg);
      const from = Math.max(first, offset);
      const to = Math.min(last, offset + length - 1);
      offset += length;
      if (from > to) continue;
      // the part wanted, in the segment object's bytes
      const base = seg.range ? seg.range[0] : 0;
      const part: [number, number] = [base + from - (offset - length), base + to - (offset - length)];
      const whole = part[0] === 0 && part[1] === seg.bytes - 1;
      const body = await this.deps.open([this.accountOf(req), seg.container, seg.object], whole ? undefined : `bytes=${part[0]}-${part[1]}`);
      const etag = String(body?.headers.etag ?? '').replace(/"/g, '');
      if (!body || (seg.etag && etag && etag !== seg.etag) || Number(body.headers['content-length']) !== part[1] - part[0] + 1) {
        body?.destroy();
        return false;
      }
      if (!(await pipePart(body, res, part[1] - part[0] + 1))) return false;
    }
    return true;
  }

  /** The account of the request path (/v1/<account>/...). */
  private accountOf(req: IncomingMessage): string {
    return decodeURIComponent((req.url ?? '').split('?')[0].split('/')[2] ?? '');
  }

  /** Validates an SLO manifest PUT body against the segments and returns what to store. */
  async buildSloManifest(req: IncomingMessage, account: string): Promise<{ body: Buffer; headers: Record<string, string>; etag: string }> {
    let parsed: unknown;
    try {
      parsed = JSON.parse((await readBody(req, MAX_MANIFEST_SIZE)).toString('utf8'));
    } catch (err) {
      if (err instanceof SwiftError) throw err;
      throw new SwiftError(400, 'Manifest must be valid JSON');
    }
    if (!Array.isArray(parsed) || parsed.length === 0) throw new SwiftError(400, 'Manifest must be a non-empty list of segments');
    if (parsed.length > MAX_SEGMENTS) throw new SwiftError(400, `Manifest has more than ${MAX_SEGMENTS} segments`);
    const entries: ManifestEntry[] = [];
    const segments: Segment[] = [];
    const errors: string[] = [];
    for (const [index, item] of (parsed as Array<{ path?: string; etag?: string | null; size_bytes?: number | null; range?: unknown }>).entries()) {
      if (!item || typeof item.path !== 'string') throw new SwiftError(400, 'Each segment needs a path');
      let specs: ReturnType<typeof parseRange> = null;
      if (item.range !== undefined && item.range !== null && item.range !== '') {
        specs = typeof item.range === 'string' ? parseRange(`bytes=${item.range}`) : null;
        if (!specs) throw new SwiftError(400, `Index ${index}: invalid range`);
        if (specs.length > 1) throw new SwiftError(400, `Index ${index}: multiple ranges (only one allowed)`);
      }
      const [container, object] = splitPath(item.path);
      const seg = await this.deps.open([account, container, object]);
      if (!seg) {
        errors.push(`${item.path}: 404 Not Found`);
        continue;
      }
      seg.resume();
      const etag = String(seg.headers.etag ?? '');
      const bytes = Number(seg.headers['content-length'] ?? 0);
      if (item.etag && String(item.etag).replace(/"/g, '') !== etag) errors.push(`${item.path}: Etag Mismatch`);
      if (item.size_bytes !== undefined && item.size_bytes !== null && Number(item.size_bytes) !== bytes) errors.push(`${item.path}: Size Mismatch`);
      let range: [number, number] | undefined;
      if (specs) {
        const ranges = rangesForLength(specs, bytes);
        if (ranges.length === 0) errors.push(`${item.path}: Unsatisfiable Range`);
        // (a range that is the whole object is dropped, as Swift does)
        else if (ranges[0][0] !== 0 || ranges[0][1] !== bytes - 1) range = ranges[0];
      }
      const entry: ManifestEntry = { name: `/${container}/${object}`, hash: etag, bytes, content_type: String(seg.headers['content-type'] ?? ''), last_modified: new Date(String(seg.headers['last-modified'] ?? Date.now())).toISOString().replace('Z', '000').slice(0, 26) };
      if (range) entry.range = `${range[0]}-${range[1]}`;
      entries.push(entry);
      segments.push({ container, object, bytes, etag, range });
    }
    if (errors.length) throw new SwiftError(400, `Errors: ${errors.join(', ')}`);
    return {
      body: Buffer.from(JSON.stringify(entries)),
      headers: {
        'x-static-large-object': 'True',
        'content-type': String(req.headers['content-type'] ?? 'application/octet-stream'),
        'content-length': String(Buffer.byteLength(JSON.stringify(entries))),
      },
      etag: largeEtag(segments),
    };
  }

  /** ?multipart-manifest=delete: the segments, then the manifest; a bulk-delete style report. */
  async deleteSlo(account: string, names: string[], del: (names: string[]) => Promise<number>): Promise<Record<string, unknown>> {
    const manifest = await this.deps.open(names);
    if (!manifest) return { 'Number Deleted': 0, 'Number Not Found': 1, 'Response Status': '404 Not Found', 'Response Body': '', Errors: [] };
    const isSlo = String(manifest.headers['x-static-large-object'] ?? '').toLowerCase() === 'true';
    const body = (await readBody(manifest, MAX_MANIFEST_SIZE)).toString('utf8');
    let deleted = 0;
    let notFound = 0;
    if (isSlo) {
      for (const e of JSON.parse(body) as ManifestEntry[]) {
        const [c, o] = splitPath(e.name);
        const status = await del([account, c, o]);
        if (status === 204) deleted++;
        else notFound++;
      }
    }
    const status = await del(names);
    if (status === 204) deleted++;
    else notFound++;
    return { 'Number Deleted': deleted, 'Number Not Found': notFound, 'Response Status': '200 OK', 'Response Body': '', Errors: [] };
  }
}
