import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Unauthorized } from '@kumo/common';
import type { AuthContext } from './auth-context';
import { Evictable, matchesRevocation, RevocationEvent } from './revocation';
import { invalidToken, TokenValidator } from './token-validator';

export interface TokenCacheOptions {
  /** Longest time a validation is reused (default 300 s); never beyond the token's expiry. */
  ttlMs?: number;
  /** Most tokens kept (default 10 000); the least recently used go first. */
  max?: number;
  /**
   * How long an Unauthorized answer is reused (default 0: never). A few seconds blunt a client
   * hammering with a bad token; failures other than Unauthorized (e.g. 503) are never cached.
   */
  negativeTtlMs?: number;
  /** Clock in ms since the epoch (tests inject one). */
  now?: () => number;
}

interface Entry {
  auth?: AuthContext;
  until: number;
}

interface Flight {
  promise: Promise<AuthContext>;
  /** The revocation sequence number when the validation started. */
  seq: number;
}

/**
 * A cache in front of any TokenValidator (keystonemiddleware's token cache):
 * - entries are keyed by the token's SHA-256 and live `min(ttlMs, token expiry)`;
 * - concurrent validations of one token share one request to the inner validator;
 * - failures are not cached (Unauthorized optionally, for `negativeTtlMs`);
 * - {@link evict} drops the entries a revocation event covers, including validations in flight
 *   when the event arrives (their result is refused rather than cached).
 */
export class CachingTokenValidator extends TokenValidator implements Evictable {
  private readonly cache: LRUCache<string, Entry>;
  private readonly inflight = new Map<string, Flight>();
  /** Revocations seen while validations were in flight, to check their results against. */
  private recentRevocations: Array<{ seq: number; event: RevocationEvent }> = [];
  private seq = 0;
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly inner: TokenValidator,
    opts: TokenCacheOptions = {},
  ) {
    super();
    this.ttlMs = opts.ttlMs ?? 300_000;
    this.negativeTtlMs = opts.negativeTtlMs ?? 0;
    this.now = opts.now ?? Date.now;
    this.cache = new LRUCache({ max: opts.max ?? 10_000 });
  }

  async validate(token: string): Promise<AuthContext> {
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.cache.get(key);
    if (hit) {
      if (hit.until > this.now()) {
        if (hit.auth) return hit.auth;
        throw invalidToken();
      }
      this.cache.delete(key);
    }
    let flight = this.inflight.get(key);
    if (!flight) {
      flight = { promise: this.fill(key, token, this.seq), seq: this.seq };
      this.inflight.set(key, flight);
    }
    return flight.promise;
  }

  private async fill(key: string, token: string, startSeq: number): Promise<AuthContext> {
    try {
      const auth = await this.inner.validate(token);
      if (this.revokedSince(startSeq, auth)) throw invalidToken();
      const now = this.now();
      const until = Math.min(now + this.ttlMs, auth.expiresAt.getTime());
      if (until > now) this.cache.set(key, { auth, until });
      return auth;
    } catch (err) {
      if (err instanceof Unauthorized && this.negativeTtlMs > 0) {
        this.cache.set(key, { until: this.now() + this.negativeTtlMs });
      }
      throw err;
    } finally {
      this.inflight.delete(key);
      if (this.inflight.size === 0) this.recentRevocations = [];
    }
  }

  private revokedSince(seq: number, auth: AuthContext): boolean {
    return this.recentRevocations.some((r) => r.seq > seq && matchesRevocation(auth, r.event));
  }

  /**
   * Drops the cached validations that a revocation covers (all fields must match, see
   * {@link matchesRevocation}); `{ all: true }` empties the cache. Returns how many were dropped.
   */
  evict(event: RevocationEvent): number {
    this.seq++;
    if (this.inflight.size > 0) this.recentRevocations.push({ seq: this.seq, event });
    if (event.all) {
      const n = this.cache.size;
      this.cache.clear();
      return n;
    }
    const covered = [...this.cache.entries()].filter(
      ([, entry]) => entry.auth && matchesRevocation(entry.auth, event),
    );
    for (const [key] of covered) this.cache.delete(key);
    return covered.length;
  }

  /** Number of cached entries (expired ones included until they are read or pushed out). */
  get size(): number {
    return this.cache.size;
  }
}
