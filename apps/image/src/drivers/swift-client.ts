import { Agent, IncomingMessage, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { SdkError, ServiceSession, SessionCredentials } from '@kumo/sdk';

/** The service user's login (domains `default` unless given). */
export type SwiftCredentials = SessionCredentials;

interface Session {
  token: string;
  storageUrl: string;
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
 * (a @kumo/sdk service session: password, project scope, renewed before expiry), takes the public
 * object-store endpoint from the catalog, re-authenticates on 401, and streams bodies both ways.
 */
export class SwiftClient {
  private readonly session?: ServiceSession;

  /** `fixed`: a token and storage URL to use as they are (tests, or a pre-authenticated caller). */
  constructor(
    creds: SwiftCredentials,
    private readonly fixed?: { token: string; storageUrl: string },
  ) {
    if (!fixed) this.session = new ServiceSession(creds, { timeoutMs: 15_000 });
  }

  private async current(): Promise<Session> {
    if (!this.session) return this.fixed!;
    try {
      return { token: await this.session.token(), storageUrl: await this.session.endpoint('object-store', { interface: 'public' }) };
    } catch (err) {
      if (err instanceof SdkError) throw new SwiftRequestError(503, `the image service cannot use the object store: ${err.message}`);
      throw err;
    }
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
      this.session?.invalidate(s.token);
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
