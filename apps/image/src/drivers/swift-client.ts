import { Agent, IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';

export interface SwiftCredentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainId?: string;
  projectDomainId?: string;
}

interface Session {
  token: string;
  storageUrl: string;
  expiresAt: number;
}

export class SwiftRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

/**
 * A small Swift v1 client for the image store: authenticates as Kumo's service user with identity
 * (password, project scope), takes the object-store endpoint from the catalog, re-authenticates on 401,
 * and streams bodies both ways.
 */
export class SwiftClient {
  private session?: Promise<Session>;

  /** `fixed`: a token and storage URL to use as they are (tests, or a pre-authenticated caller). */
  constructor(
    private readonly creds: SwiftCredentials,
    private readonly fixed?: { token: string; storageUrl: string },
  ) {}

  private async login(): Promise<Session> {
    if (this.fixed) return { ...this.fixed, expiresAt: Date.now() + 24 * 3_600_000 };
    const res = await fetch(`${this.creds.authUrl.replace(/\/$/, '')}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: this.creds.username, domain: { id: this.creds.userDomainId ?? 'default' }, password: this.creds.password } } },
          scope: { project: { name: this.creds.projectName, domain: { id: this.creds.projectDomainId ?? 'default' } } },
        },
      }),
      signal: AbortSignal.timeout(15_000),
    });
    if (res.status !== 201) throw new SwiftRequestError(503, `identity refused the image service's credentials (${res.status})`);
    const body = (await res.json()) as { token: { expires_at: string; catalog?: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }> } };
    const endpoint = body.token.catalog?.find((s) => s.type === 'object-store')?.endpoints.find((e) => e.interface === 'public');
    if (!endpoint) throw new SwiftRequestError(503, 'the catalog has no public object-store endpoint');
    return { token: res.headers.get('x-subject-token')!, storageUrl: endpoint.url.replace(/\/$/, ''), expiresAt: Date.parse(body.token.expires_at) };
  }

  private async current(): Promise<Session> {
    if (this.session) {
      const s = await this.session.catch(() => undefined);
      if (s && s.expiresAt - Date.now() > 60_000) return s;
    }
    this.session = this.login();
    return this.session;
  }

  /** One request; `body` streams (a function, so a retry after re-authentication can recreate it). */
  async request(method: string, path: string, opts: { headers?: Record<string, string>; body?: () => Readable | Buffer | undefined; query?: string } = {}, retried = false): Promise<IncomingMessage> {
    const s = await this.current();
    const url = new URL(`${s.storageUrl}${path}${opts.query ? `?${opts.query}` : ''}`);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, { method, headers: { ...(opts.headers ?? {}), 'x-auth-token': s.token }, agent: url.protocol === 'https:' ? undefined : agent, timeout: 120_000 }, resolve);
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`object store timed out on ${method} ${path}`)));
      const body = opts.body?.();
      if (!body) return void req.end();
      if (Buffer.isBuffer(body)) return void req.end(body);
      body.on('error', (err) => req.destroy(err));
      body.pipe(req);
    });
    if (res.statusCode === 401 && !retried && !opts.body) {
      res.resume();
      this.session = undefined;
      return this.request(method, path, opts, true);
    }
    return res;
  }

  /** A request whose answer must be 2xx (404 allowed when `allow404`); the body is read and returned. */
  async expect(method: string, path: string, opts: Parameters<SwiftClient['request']>[2] & { allow404?: boolean } = {}): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
    const res = await this.request(method, path, opts);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const status = res.statusCode ?? 500;
    if ((status < 200 || status >= 300) && !(opts.allow404 && status === 404)) {
      throw new SwiftRequestError(status, `object store answered ${status} to ${method} ${path}`);
    }
    return { status, headers: res.headers, body: Buffer.concat(chunks) };
  }
}

export function objectPath(container: string, name: string): string {
  return `/${encodeURIComponent(container)}/${name.split('/').map(encodeURIComponent).join('/')}`;
}
