import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/** A request the fake received, its body read. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type Handler = (req: Received, res: ServerResponse) => void | Promise<void>;

/**
 * One small HTTP server standing in for identity and the service under test: a login (POST
 * /v3/auth/tokens → `svc-<n>`, with a catalog naming this server as `image`), and routes the test
 * adds (`on`). Records every request; unknown routes are 404. Tokens in `rejected` get 401.
 */
export class FakeService {
  server!: Server;
  url = '';
  received: Received[] = [];
  logins = 0;
  /** Session tokens the service no longer accepts. */
  rejected = new Set<string>();
  private routes: Array<{ method: string; path: RegExp; handler: Handler }> = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  /** Forgets the routes and what was received (beforeEach). */
  reset(): void {
    this.routes = [];
    this.received = [];
    this.rejected.clear();
  }

  /** Answers `method path` (the whole path and query, matched as a regular expression). */
  on(method: string, path: RegExp, handler: Handler): void {
    this.routes.unshift({ method, path, handler });
  }

  /** The requests the test's routes got (logins left out). */
  calls(): Received[] {
    return this.received.filter((r) => !(r.method === 'POST' && r.url.startsWith('/v3/auth/tokens')));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch {
      return;
    }
    const got: Received = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    this.received.push(got);
    if (got.method === 'POST' && got.url.startsWith('/v3/auth/tokens')) {
      this.logins++;
      const token = {
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        catalog: [
          { type: 'image', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: this.url }] },
        ],
      };
      res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': `svc-${this.logins}` });
      return void res.end(JSON.stringify({ token }));
    }
    if (this.rejected.has(String(req.headers['x-auth-token'])))
      return void json(res, 401, {
        error: {
          code: 401,
          title: 'Unauthorized',
          message: 'The request you have made requires authentication.',
        },
      });
    const route = this.routes.find((r) => r.method === got.method && r.path.test(got.url));
    if (!route)
      return void json(res, 404, {
        error: { code: 404, title: 'Not Found', message: `no route ${got.method} ${got.url}` },
      });
    await route.handler(got, res);
  }
}

/** Writes a JSON answer. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
