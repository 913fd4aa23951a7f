import { Logger } from '@nestjs/common';
import { kumoFetch, ServiceUnavailable } from '@kumo/common';
import { AuthContext, TokenBodyError } from './auth-context';
import { TokenBodyValidator, TokenBodyValidatorOptions } from './token-validator';

/**
 * This service's own identity account (keystonemiddleware's `[keystone_authtoken]`): the user it
 * authenticates as to validate its callers' tokens, project-scoped (normally to `service`).
 */
export interface ServiceCredentials {
  /** Identity's base URL, e.g. `http://127.0.0.1:5000` (a trailing `/v3` is accepted). */
  auth_url: string;
  username: string;
  password: string;
  project_name: string;
  user_domain_id: string;
  project_domain_id: string;
}

/** Where the validator reports trouble; Nest's Logger and pino both fit. */
export interface AuthLogger {
  warn(message: string): void;
}

export interface KeystoneTokenValidatorOptions extends TokenBodyValidatorOptions {
  /** Timeout of each request to identity (default 10 s); a timeout answers ServiceUnavailable. */
  timeoutMs?: number;
  /** The service token is renewed when less than this is left of its life (default 60 s). */
  renewBeforeMs?: number;
  logger?: AuthLogger;
}

interface ServiceToken {
  id: string;
  expiresAt: number;
}

/**
 * Validates tokens with identity over HTTP, as keystonemiddleware does:
 * `GET {auth_url}/v3/auth/tokens?nocatalog` with this service's token in `X-Auth-Token` and the
 * caller's in `X-Subject-Token`; the current request id goes along (`x-openstack-request-id`).
 *
 * - 200 → the caller's context; 404 → Unauthorized (unknown, expired or revoked token).
 * - 401 → the service token was refused: it is re-obtained once and the check retried; a fresh
 *   service token refused again means this service's credentials are broken → ServiceUnavailable.
 * - identity unreachable, timing out, 403 or 5xx → ServiceUnavailable (503), never 401, so that a
 *   client does not throw its token away because identity is down.
 *
 * The service token is obtained by password auth, shared by concurrent requests, and reused until
 * `renewBeforeMs` before it expires. Put a {@link CachingTokenValidator} in front of this class.
 */
export class KeystoneTokenValidator extends TokenBodyValidator {
  private serviceToken?: ServiceToken;
  private pendingServiceToken?: Promise<ServiceToken>;
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly renewBeforeMs: number;
  private readonly logger: AuthLogger;

  constructor(
    private readonly creds: ServiceCredentials,
    opts: KeystoneTokenValidatorOptions = {},
  ) {
    super(opts);
    this.base = creds.auth_url.replace(/\/+$/, '').replace(/\/v3$/, '');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.renewBeforeMs = opts.renewBeforeMs ?? 60_000;
    this.logger = opts.logger ?? new Logger('KeystoneTokenValidator');
  }

  protected async fetchTokenBody(token: string): Promise<unknown> {
    let used = await this.getServiceToken();
    let res = await this.check(token, used.id);
    if (res.status === 401) {
      await res.body?.cancel();
      this.dropServiceToken(used);
      used = await this.getServiceToken();
      res = await this.check(token, used.id);
      if (res.status === 401) {
        await res.body?.cancel();
        this.dropServiceToken(used);
        this.logger.warn(`identity refuses the service token of ${this.creds.username} it has just issued`);
        throw new ServiceUnavailable('Identity refused this service’s credentials while validating a token.');
      }
    }
    if (res.status === 200) return this.readJson(res);
    await res.body?.cancel();
    if (res.status === 404) return undefined;
    this.logger.warn(`identity answered ${res.status} to a token validation by ${this.creds.username}`);
    throw new ServiceUnavailable(`Identity answered ${res.status} while validating a token.`);
  }

  protected override toContext(token: string, body: unknown): AuthContext {
    try {
      return super.toContext(token, body);
    } catch (err) {
      if (err instanceof TokenBodyError)
        throw new ServiceUnavailable(`Identity returned an unreadable token body (${err.message}).`);
      throw err;
    }
  }

  private async check(token: string, serviceToken: string): Promise<Response> {
    return this.request(`${this.base}/v3/auth/tokens?nocatalog`, {
      headers: { 'x-auth-token': serviceToken, 'x-subject-token': token, accept: 'application/json' },
    });
  }

  private getServiceToken(): Promise<ServiceToken> {
    const cached = this.serviceToken;
    if (cached && cached.expiresAt - this.now() > this.renewBeforeMs) return Promise.resolve(cached);
    this.pendingServiceToken ??= this.issueServiceToken().finally(
      () => (this.pendingServiceToken = undefined),
    );
    return this.pendingServiceToken;
  }

  /** Forgets a refused service token, unless a concurrent request already replaced it. */
  private dropServiceToken(refused: ServiceToken): void {
    if (this.serviceToken === refused) this.serviceToken = undefined;
  }

  private async issueServiceToken(): Promise<ServiceToken> {
    const c = this.creds;
    const body = {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: c.username, domain: { id: c.user_domain_id }, password: c.password } },
        },
        scope: { project: { name: c.project_name, domain: { id: c.project_domain_id } } },
      },
    };
    const res = await this.request(`${this.base}/v3/auth/tokens?nocatalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const id = res.headers.get('x-subject-token');
    if (res.status !== 201 || !id) {
      await res.body?.cancel();
      this.logger.warn(
        `cannot authenticate to identity at ${this.base} as ${c.username}: HTTP ${res.status}`,
      );
      throw new ServiceUnavailable(`This service cannot authenticate to identity (HTTP ${res.status}).`);
    }
    const parsed = (await this.readJson(res)) as { token?: { expires_at?: unknown } };
    const expiresAt = Date.parse(String(parsed?.token?.expires_at));
    if (Number.isNaN(expiresAt))
      throw new ServiceUnavailable('Identity issued a service token without a readable expires_at.');
    this.serviceToken = { id, expiresAt };
    return this.serviceToken;
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    try {
      return await kumoFetch(url, { ...init, timeoutMs: this.timeoutMs });
    } catch (err) {
      const reason =
        (err as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : describe(err);
      this.logger.warn(`identity at ${this.base} is unreachable: ${reason}`);
      throw new ServiceUnavailable(`Identity is unreachable (${reason}).`);
    }
  }

  private async readJson(res: Response): Promise<unknown> {
    try {
      return await res.json();
    } catch (err) {
      throw new ServiceUnavailable(`Identity returned an unreadable body: ${describe(err)}.`);
    }
  }
}

/** undici reports connection errors as `TypeError: fetch failed` with the reason in `cause`. */
function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
