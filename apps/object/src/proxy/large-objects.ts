import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SwiftError } from './swift-errors';

interface Segment {
  container: string;
  object: string;
  bytes: number;
  etag: string;
}

interface Deps {
  open(names: string[]): Promise<IncomingMessage | null>;
  list(account: string, container: string, query: string): Promise<Array<{ name: string; size: number; etag?: string; timestamp: string }> | null>;
}

/** A stored SLO manifest entry (Swift's format, returned by ?multipart-manifest=get). */
interface ManifestEntry {
  name: string;
  hash: string;
  bytes: number;
  content_type: string;
  last_modified: string;
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
  return [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
}

/** The large object's ETag: md5 of the concatenated segment etags, quoted (Swift's rule). */
function largeEtag(segments: Segment[]): string {
  return `"${createHash('md5').update(segments.map((s) => s.etag).join('')).digest('hex')}"`;
}

/**
 * Dynamic (X-Object-Manifest: container/prefix) and static (?multipart-manifest=put) large objects:
 * GET streams the segments in order as one object.
 */
export class LargeObjects {
  constructor(private readonly deps: Deps) {}

  async serveDlo(req: IncomingMessage, res: ServerResponse, manifest: IncomingMessage, account: string): Promise<void> {
    manifest.resume();
    const [container, prefix] = (() => {
      const v = decodeURIComponent(String(manifest.headers['x-object-manifest']));
      const i = v.indexOf('/');
      return i < 0 ? [v, ''] : [v.slice(0, i), v.slice(i + 1)];
    })();
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
    return this.stream(req, res, manifest, segments, { 'x-object-manifest': String(manifest.headers['x-object-manifest']) });
  }

  async serveSlo(req: IncomingMessage, res: ServerResponse, manifest: IncomingMessage, _account: string): Promise<void> {
    const entries = JSON.parse((await readBody(manifest, MAX_MANIFEST_SIZE)).toString('utf8')) as ManifestEntry[];
    const segments = entries.map((e) => {
      const [container, object] = splitPath(e.name);
      return { container, object, bytes: e.bytes, etag: e.hash };
    });
    return this.stream(req, res, manifest, segments, { 'x-static-large-object': 'True' });
  }

  private async stream(req: IncomingMessage, res: ServerResponse, manifest: IncomingMessage, segments: Segment[], extra: Record<string, string>): Promise<void> {
    const total = segments.reduce((n, s) => n + s.bytes, 0);
    const headers: Record<string, string | number> = {
      'content-type': String(manifest.headers['content-type'] ?? 'application/octet-stream'),
      'content-length': total,
      etag: largeEtag(segments),
      'last-modified': String(manifest.headers['last-modified'] ?? ''),
      'x-timestamp': String(manifest.headers['x-timestamp'] ?? ''),
      'accept-ranges': 'bytes',
      ...extra,
    };
    for (const [k, v] of Object.entries(manifest.headers)) if (k.startsWith('x-object-meta-')) headers[k] = String(v);
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    for (const seg of segments) {
      const body = await this.deps.open([this.accountOf(req), seg.container, seg.object]);
      if (!body) {
        // a segment vanished: the client sees a short body, as with Swift
        res.destroy(new Error(`segment ${seg.container}/${seg.object} is missing`));
        return;
      }
      await new Promise<void>((resolve, reject) => {
        body.on('data', (c: Buffer) => {
          if (!res.write(c)) {
            body.pause();
            res.once('drain', () => body.resume());
          }
        });
        body.on('end', resolve);
        body.on('error', reject);
      });
    }
    res.end();
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
    for (const item of parsed as Array<{ path?: string; etag?: string | null; size_bytes?: number | null }>) {
      if (!item || typeof item.path !== 'string') throw new SwiftError(400, 'Each segment needs a path');
      const [container, object] = splitPath(item.path);
      const seg = await this.deps.open([account, container, object]);
      if (!seg) {
        errors.push(`${item.path}: 404 Not Found`);
        continue;
      }
      seg.resume();
      const etag = String(seg.headers.etag ?? '');
      const bytes = Number(seg.headers['content-length'] ?? 0);
      if (item.etag && item.etag.replace(/"/g, '') !== etag) errors.push(`${item.path}: Etag Mismatch`);
      if (item.size_bytes !== undefined && item.size_bytes !== null && Number(item.size_bytes) !== bytes) errors.push(`${item.path}: Size Mismatch`);
      entries.push({ name: `/${container}/${object}`, hash: etag, bytes, content_type: String(seg.headers['content-type'] ?? ''), last_modified: new Date(String(seg.headers['last-modified'] ?? Date.now())).toISOString().replace('Z', '000').slice(0, 26) });
      segments.push({ container, object, bytes, etag });
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
