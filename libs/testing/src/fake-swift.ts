import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { createHash } from 'node:crypto';

/** What the fake saw of one request (its body's length and headers: bodies can be big). */
export interface SwiftCall {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  bytes: number;
  /** the server-side connection it came on (keep-alive reuse shows as the same number) */
  connection: number;
}

/**
 * A small Swift v1 (plus identity's login) in memory: POST /v3/auth/tokens gives `svc-<n>` with a
 * catalog whose public object-store endpoint is this server's /v1/AUTH_svc; containers, objects,
 * JSON listings (prefix, marker, limit), SLO manifests (multipart-manifest=put|get|delete). Tokens in
 * `rejected` get 401. `intercept` answers a request (a login too) before the fake does: misbehaviour
 * on demand; it returns whether it answered.
 */
export class FakeSwift {
  server!: Server;
  url = '';
  logins = 0;
  calls: SwiftCall[] = [];
  rejected = new Set<string>();
  containers = new Map<string, Map<string, { data: Buffer; manifest?: string }>>();
  intercept?: (req: IncomingMessage, res: ServerResponse) => boolean;
  private connections = new WeakMap<Socket, number>();
  private connectionCount = 0;

  get storageUrl(): string {
    return `${this.url}/v1/AUTH_svc`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s: Socket) => this.connections.set(s, ++this.connectionCount));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  reset(): void {
    this.logins = 0;
    this.calls = [];
    this.rejected.clear();
    this.containers.clear();
    this.intercept = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const call: SwiftCall = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      bytes: 0,
      connection: this.connections.get(req.socket) ?? 0,
    };
    if (req.method === 'POST' && req.url?.startsWith('/v3/auth/tokens')) {
      if (this.intercept?.(req, res)) return;
      for await (const _ of req);
      this.logins++;
      const token = {
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        catalog: [
          {
            type: 'object-store',
            endpoints: [{ interface: 'public', region_id: 'RegionOne', url: `${this.storageUrl}/` }],
          },
        ],
      };
      res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': `svc-${this.logins}` });
      return void res.end(JSON.stringify({ token }));
    }
    this.calls.push(call);
    if (this.intercept?.(req, res)) return;
    if (this.rejected.has(String(req.headers['x-auth-token'])))
      return void swiftText(res, 401, 'Unauthorized');
    const chunks: Buffer[] = [];
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch {
      return;
    }
    const body = Buffer.concat(chunks);
    call.bytes = body.length;
    const u = new URL(req.url ?? '/', this.url);
    const m = /^\/v1\/AUTH_svc(?:\/([^/]+)(?:\/(.+))?)?$/.exec(u.pathname);
    if (!m) return void swiftText(res, 404, 'Not Found');
    const [container, name] = [
      m[1] && decodeURIComponent(m[1]),
      m[2] && m[2].split('/').map(decodeURIComponent).join('/'),
    ];
    const objects = container ? this.containers.get(container) : undefined;
    const q = u.searchParams;
    if (!container) {
      const rows = [...this.containers.keys()]
        .sort()
        .map((n) => ({ name: n, count: this.containers.get(n)!.size, bytes: 0 }));
      return void res
        .writeHead(200, {
          'content-type': 'application/json',
          'x-account-container-count': String(rows.length),
        })
        .end(JSON.stringify(rows));
    }
    if (!name) {
      if (req.method === 'PUT') {
        const had = this.containers.has(container);
        if (!had) this.containers.set(container, new Map());
        return void swiftText(res, had ? 202 : 201, '');
      }
      if (!objects) return void swiftText(res, 404, 'Not Found');
      if (req.method === 'DELETE') {
        if (objects.size)
          return void swiftText(res, 409, 'There was a conflict when trying to complete your request.');
        this.containers.delete(container);
        return void swiftText(res, 204, '');
      }
      const prefix = q.get('prefix') ?? '';
      const marker = q.get('marker') ?? '';
      const limit = Number(q.get('limit') ?? 10_000);
      const rows = [...objects.keys()]
        .sort()
        .filter((n) => n.startsWith(prefix) && n > marker)
        .slice(0, limit)
        .map((n) => ({
          name: n,
          bytes: objects.get(n)!.data.length,
          hash: md5(objects.get(n)!.data),
          content_type: 'application/octet-stream',
          last_modified: '2026-01-01T00:00:00.000000',
        }));
      return void res
        .writeHead(rows.length ? 200 : 204, {
          'content-type': 'application/json',
          'x-container-object-count': String(objects.size),
        })
        .end(rows.length ? JSON.stringify(rows) : '');
    }
    if (!objects) return void swiftText(res, 404, 'Not Found');
    if (req.method === 'PUT') {
      const manifest =
        q.get('multipart-manifest') === 'put'
          ? JSON.stringify(
              (
                JSON.parse(body.toString()) as Array<{ path: string; etag?: string; size_bytes?: number }>
              ).map((s) => ({ name: s.path, hash: s.etag, bytes: s.size_bytes })),
            )
          : undefined;
      objects.set(name, { data: body, manifest });
      return void res.writeHead(201, { etag: `"${md5(body)}"`, 'content-length': 0 }).end();
    }
    const obj = objects.get(name);
    if (!obj) return void swiftText(res, 404, 'Not Found');
    if (req.method === 'DELETE') {
      objects.delete(name);
      return void swiftText(res, 204, '');
    }
    if (q.get('multipart-manifest') === 'get' && obj.manifest)
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(obj.manifest);
    const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ''));
    const data = range ? obj.data.subarray(Number(range[1]), Number(range[2]) + 1) : obj.data;
    res.writeHead(range ? 206 : 200, { 'content-length': data.length, etag: `"${md5(obj.data)}"` });
    res.end(req.method === 'HEAD' ? undefined : data);
  }
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** A plain-text answer as Swift gives its errors. */
export function swiftText(res: ServerResponse, status: number, body: string): void {
  res
    .writeHead(status, {
      'content-type': 'text/html; charset=UTF-8',
      'content-length': Buffer.byteLength(body),
    })
    .end(body);
}
