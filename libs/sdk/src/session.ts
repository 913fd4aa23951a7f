import { CatalogEntry, catalogEndpoint, catalogOf, EndpointQuery } from './catalog';
import { LoginFailed, ServiceUnreachable } from './errors';

/** A password login scoped to a project, as keystoneauth's v3 Password plugin. */
export interface SessionCredentials {
  /** Identity's URL, with or without `/v3` (e.g. http://127.0.0.1:5000/v3). */
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  /** The user's domain: by id (default `default`) or by name. */
  userDomainId?: string;
  userDomainName?: string;
  /** The project's domain: by id (default `default`) or by name. */
  projectDomainId?: string;
  projectDomainName?: string;
}

/** fetch with a timeout; a service passes its own (e.g. one that carries the request id). */
export type SessionFetch = (url: string, init: RequestInit & { timeoutMs?: number }) => Promise<Response>;

export interface SessionOptions {
  fetch?: SessionFetch;
  /** Per request to identity (default 10 s). */
  timeoutMs?: number;
  /** A token this close to its expiry is renewed before use (default 60 s). */
  renewBeforeMs?: number;
  /** Ask for the catalog with the token (default true; false: `?nocatalog`, a smaller answer). */
  catalog?: boolean;
  now?: () => number;
}

/** A token of the session. */
export interface SessionToken {
  id: string;
  expiresAt: number;
  catalog?: CatalogEntry[];
}

/** A request's init for `authorizedFetch`: the body may be a function that makes it (for the retry after a 401). */
export type AuthorizedInit = Omit<RequestInit, 'body'> & { body?: RequestInit['body'] | (() => RequestInit['body']) };

/** A body that can be read only once (undici sends it with `duplex: 'half'`). */
function isStream(body: unknown): boolean {
  return !!body && typeof body === 'object' && (Symbol.asyncIterator in body || typeof (body as ReadableStream).getReader === 'function');
}

const defaultFetch: SessionFetch = (url, { timeoutMs = 10_000, ...init }) =>
  fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(timeoutMs) });

/**
 * A service user's session with identity: logs in with a password (project scope), keeps the
 * token and renews it before it expires, shares one in-flight login between concurrent callers,
 * and finds endpoints in the token's catalog. A caller that gets 401 with a token calls
 * `invalidate(token)`, and the next `token()` logs in again.
 */
export class ServiceSession {
  /** Identity's v3 root, e.g. http://127.0.0.1:5000/v3. */
  readonly identityUrl: string;
  private readonly fetcher: SessionFetch;
  private readonly now: () => number;
  private readonly renewBeforeMs: number;
  private readonly timeoutMs: number;
  private current?: SessionToken;
  private pending?: Promise<SessionToken>;
  /** Logins made (tests, logs). */
  logins = 0;

  constructor(
    readonly credentials: SessionCredentials,
    private readonly opts: SessionOptions = {},
  ) {
    this.identityUrl = `${credentials.authUrl.replace(/\/+$/, '').replace(/\/v3$/, '')}/v3`;
    this.fetcher = opts.fetch ?? defaultFetch;
    this.now = opts.now ?? Date.now;
    this.renewBeforeMs = opts.renewBeforeMs ?? 60_000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** A valid token id (logging in when there is none or it expires within `renewBeforeMs`). */
  async token(): Promise<string> {
    return (await this.session()).id;
  }

  /** The current token with its expiry and catalog, renewed as `token()` does. */
  async session(): Promise<SessionToken> {
    const t = this.current;
    if (t && t.expiresAt - this.now() > this.renewBeforeMs) return t;
    this.pending ??= this.login().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Forgets `token` (the current one when absent) after a service refused it; a newer one is kept. */
  invalidate(token?: string): void {
    if (!token || this.current?.id === token) this.current = undefined;
  }

  /** The URL of an endpoint in the token's catalog; throws EndpointNotFound naming what is missing. */
  async endpoint(type: string, q: EndpointQuery = {}): Promise<string> {
    return catalogEndpoint((await this.session()).catalog, type, q);
  }

  /** A request through the session's fetch (timeout included); a network failure is ServiceUnreachable. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await this.fetcher(url, { ...init, timeoutMs: this.timeoutMs });
    } catch (err) {
      throw new ServiceUnreachable(new URL(url).origin, err as Error);
    }
  }

  /**
   * A request with the session's token in X-Auth-Token; on 401 the token is dropped and the
   * request sent once more with a new one. A body is sent again on that retry when it is reusable
   * (a string, a buffer) or a function that makes it anew (`() => createReadStream(path)`); a
   * stream (a web stream, a Node Readable, an async iterable) goes once, so a 401 to it is the
   * answer (and the next request logs in again). Stream bodies are sent with `duplex: 'half'`.
   */
  async authorizedFetch(url: string, init: AuthorizedInit = {}): Promise<Response> {
    const { body, ...rest } = init;
    for (let attempt = 0; ; attempt++) {
      const token = await this.token();
      const headers = new Headers(init.headers);
      headers.set('x-auth-token', token);
      const sent = typeof body === 'function' ? body() : body;
      const streamed = isStream(sent);
      const res = await this.fetch(url, { ...rest, headers, body: sent, ...(streamed ? { duplex: 'half' } : {}) } as RequestInit);
      if (res.status !== 401 || attempt > 0) return res;
      this.invalidate(token);
      if (streamed && typeof body !== 'function') return res;
      await res.body?.cancel();
    }
  }

  private async login(): Promise<SessionToken> {
    const c = this.credentials;
    const domain = (id?: string, name?: string) => (name && !id ? { name } : { id: id ?? 'default' });
    const body = {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: c.username, domain: domain(c.userDomainId, c.userDomainName), password: c.password } },
        },
        scope: { project: { name: c.projectName, domain: domain(c.projectDomainId, c.projectDomainName) } },
      },
    };
    const query = this.opts.catalog === false ? '?nocatalog' : '';
    this.logins++;
    const res = await this.fetch(`${this.identityUrl}/auth/tokens${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const id = res.headers.get('x-subject-token');
    if (res.status !== 201 || !id) {
      await res.body?.cancel();
      throw new LoginFailed(c.username, res.status);
    }
    const parsed = (await res.json()) as { token?: { expires_at?: string } };
    const expiresAt = Date.parse(parsed.token?.expires_at ?? '');
    const token: SessionToken = {
      id,
      // a token without a readable expiry is used once and renewed on the next call
      expiresAt: Number.isFinite(expiresAt) ? expiresAt : this.now(),
      catalog: catalogOf(parsed),
    };
    this.current = token;
    return token;
  }
}
