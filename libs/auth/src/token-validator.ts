import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { kumoFetch, ServiceUnavailable, Unauthorized } from '@kumo/common/core';
import { IdentityClient, InvalidResponse, LoginFailed, ServiceSession, ServiceUnreachable, UnexpectedStatus } from '@kumo/sdk';
import { readEvent, TOKEN_REVOKED } from '@kumo/messaging';
import { AuthContext, authContextFromTokenBody } from './auth-context';

/** Validates a token; throws Unauthorized (invalid, expired, revoked) or ServiceUnavailable. */
export abstract class TokenValidator {
  abstract validate(token: string): Promise<AuthContext>;
}

export interface ServiceCredentials {
  /** Identity's base URL, e.g. http://127.0.0.1:5000 (with or without /v3). */
  auth_url: string;
  username: string;
  password: string;
  project_name: string;
  user_domain_id: string;
  project_domain_id: string;
}

const AUTH_REQUIRED = 'The request you have made requires authentication.';

/**
 * Validates with identity over HTTP, as keystonemiddleware does: GET /v3/auth/tokens with this
 * service's own token (a @kumo/sdk service session) in X-Auth-Token and the caller's in X-Subject-Token.
 */
export class KeystoneTokenValidator extends TokenValidator {
  private readonly session: ServiceSession;
  private readonly identity: IdentityClient;

  constructor(creds: ServiceCredentials, timeoutMs = 10_000) {
    super();
    this.session = new ServiceSession(
      {
        authUrl: creds.auth_url,
        username: creds.username,
        password: creds.password,
        projectName: creds.project_name,
        userDomainId: creds.user_domain_id,
        projectDomainId: creds.project_domain_id,
      },
      { fetch: kumoFetch, timeoutMs, catalog: false },
    );
    this.identity = new IdentityClient(this.session);
  }

  async validate(token: string): Promise<AuthContext> {
    let body: unknown;
    try {
      body = await this.identity.validateToken(token);
    } catch (err) {
      throw this.unavailable(err);
    }
    if (body === null) throw new Unauthorized(AUTH_REQUIRED);
    return authContextFromTokenBody(token, body);
  }

  private unavailable(err: unknown): Error {
    const base = this.session.identityUrl.replace(/\/v3$/, '');
    if (err instanceof ServiceUnreachable) return new ServiceUnavailable(`Identity is unreachable at ${base}: ${(err.cause as Error).message}`);
    if (err instanceof LoginFailed) return new ServiceUnavailable(`This service cannot authenticate to identity as ${err.username} (HTTP ${err.status}).`);
    if (err instanceof UnexpectedStatus) return new ServiceUnavailable(`Identity answered ${err.status} while validating a token.`);
    if (err instanceof InvalidResponse) return new ServiceUnavailable('Identity answered a token validation with a body that is not a token.');
    return err as Error;
  }
}

export interface RevocationFilter {
  auditIds?: string[];
  userId?: string;
  projectId?: string;
  domainId?: string;
  applicationCredentialId?: string;
  all?: boolean;
}

/** How long a validation is cached while revocation events arrive, and while they cannot. */
export const CACHE_TTL_MS = 300_000;
export const FALLBACK_CACHE_TTL_MS = 30_000;

interface Cached {
  ctx: AuthContext;
  storedAt: number;
}

/**
 * An LRU cache in front of any validator: entries live until min(ttl, token expiry), concurrent
 * validations of one token share one request, failures are not cached, and `evict` drops what a
 * revocation event names. While the revocation feed is down (`setRevocationFeed(false)`) entries
 * live at most `fallbackTtlMs`: a revocation made meanwhile is missed for no longer than that.
 */
export class CachingTokenValidator extends TokenValidator {
  private readonly cache: LRUCache<string, Cached>;
  private readonly inflight = new Map<string, { pending: Promise<AuthContext>; generation: number }>();
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly fallbackTtlMs: number;
  /** Bumped by every eviction: a validation that was in flight across one is not cached. */
  private generation = 0;
  private feedLive = true;

  constructor(
    private readonly inner: TokenValidator,
    opts: { ttlMs?: number; fallbackTtlMs?: number; max?: number; now?: () => number } = {},
  ) {
    super();
    this.now = opts.now ?? Date.now;
    this.ttlMs = opts.ttlMs ?? CACHE_TTL_MS;
    this.fallbackTtlMs = Math.min(opts.fallbackTtlMs ?? FALLBACK_CACHE_TTL_MS, this.ttlMs);
    this.cache = new LRUCache({ max: opts.max ?? 10_000 });
  }

  /** How long a validation is kept now: the full TTL while revocation events arrive, the fallback otherwise. */
  get maxAgeMs(): number {
    return this.feedLive ? this.ttlMs : this.fallbackTtlMs;
  }

  get revocationFeedLive(): boolean {
    return this.feedLive;
  }

  async validate(token: string): Promise<AuthContext> {
    const key = createHash('sha256').update(token).digest('base64url');
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit) {
      if (now - hit.storedAt < this.maxAgeMs && hit.ctx.expiresAt.getTime() > now) return hit.ctx;
      this.cache.delete(key);
    }
    let flight = this.inflight.get(key);
    if (!flight) {
      const pending = this.inner.validate(token).finally(() => {
        if (this.inflight.get(key)?.pending === pending) this.inflight.delete(key);
      });
      flight = { pending, generation: this.generation };
      this.inflight.set(key, flight);
    }
    const ctx = await flight.pending;
    const left = ctx.expiresAt.getTime() - this.now();
    if (left <= 0) throw new Unauthorized(AUTH_REQUIRED);
    // an eviction while identity answered may have been for this very token: answer, do not keep
    if (flight.generation === this.generation) this.cache.set(key, { ctx, storedAt: this.now() });
    return ctx;
  }

  /** Drops cached validations matching a revocation. Returns how many were dropped. */
  evict(f: RevocationFilter): number {
    this.generation++;
    this.inflight.clear();
    if (f.all) {
      const n = this.cache.size;
      this.cache.clear();
      return n;
    }
    let n = 0;
    for (const [key, { ctx }] of this.cache.entries()) {
      const match =
        (f.auditIds?.some((a) => ctx.auditIds.includes(a)) ?? true) &&
        (f.userId === undefined || f.userId === ctx.userId) &&
        (f.projectId === undefined || f.projectId === ctx.projectId) &&
        (f.domainId === undefined || f.domainId === ctx.domainId || f.domainId === ctx.projectDomainId) &&
        (f.applicationCredentialId === undefined || f.applicationCredentialId === ctx.applicationCredentialId);
      if (match) {
        this.cache.delete(key);
        n++;
      }
    }
    return n;
  }

  /**
   * Whether revocation events reach this cache. Going down: the TTL falls to the fallback and
   * entries older than it are dropped. Coming back: everything is dropped, since events published
   * meanwhile were missed. Returns how many entries were dropped.
   */
  setRevocationFeed(live: boolean): number {
    if (live === this.feedLive) return 0;
    this.feedLive = live;
    if (live) return this.evict({ all: true });
    const oldest = this.now() - this.fallbackTtlMs;
    let n = 0;
    for (const [key, { storedAt }] of this.cache.entries()) {
      if (storedAt <= oldest) {
        this.cache.delete(key);
        n++;
      }
    }
    return n;
  }

  get size(): number {
    return this.cache.size;
  }
}

/** The bus event identity publishes on every revocation (libs/messaging's TOKEN_REVOKED contract). */
export const TOKEN_REVOKED_EVENT = TOKEN_REVOKED.type;

/**
 * The cache filter of a revocation event's payload (untrusted JSON, read with the event's contract).
 * A payload the contract refuses, or one naming none of the fields, would revoke everything (or
 * cannot be trusted to name less), so it evicts everything.
 */
export function revocationFilterOf(payload: Record<string, unknown>): RevocationFilter {
  const e = readEvent(TOKEN_REVOKED, payload);
  if (!e) return { all: true };
  const f: RevocationFilter = {
    auditIds: e.auditIds?.length ? e.auditIds : undefined,
    userId: e.userId,
    projectId: e.projectId,
    domainId: e.domainId,
    applicationCredentialId: e.applicationCredentialId,
  };
  const empty = !f.auditIds && !f.userId && !f.projectId && !f.domainId && !f.applicationCredentialId;
  return empty ? { all: true } : f;
}

/**
 * Wires a caching validator to revocation events: `subscribe` is the messaging layer's
 * subscription function (kept abstract so that a test can wire any bus).
 */
export async function evictOnRevocation(
  cache: CachingTokenValidator,
  subscribe: (
    event: string,
    handler: (payload: Record<string, unknown>) => Promise<void> | void,
  ) => Promise<unknown>,
): Promise<void> {
  await subscribe(TOKEN_REVOKED_EVENT, (payload) => {
    cache.evict(revocationFilterOf(payload));
  });
}
