import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { TooManyRequests } from '@kumo/common';
import { IDENTITY_CONFIG, IdentityConfig } from '../config';
import { Clock } from './primitives';

/**
 * Beyond Keystone: a sliding-window limit on failed authentications per source address. A source
 * with `auth_failure_limit` failures within the last `auth_failure_window` seconds gets 429 (with
 * Retry-After: when its oldest counted failure leaves the window) before any credential is
 * checked — a success answered meanwhile would tell a guess right. Successes never count. Memory
 * is bounded: at most `auth_failure_sources` sources (least recently failing forgotten first),
 * each with at most `auth_failure_limit` timestamps.
 */
@Injectable()
export class AuthRateLimiter {
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly failures: LRUCache<string, number[]> | undefined;

  constructor(
    @Inject(IDENTITY_CONFIG) config: IdentityConfig,
    private readonly clock: Clock,
  ) {
    this.limit = config.identity.auth_failure_limit;
    this.windowMs = config.identity.auth_failure_window * 1000;
    this.failures = this.limit > 0 ? new LRUCache({ max: config.identity.auth_failure_sources }) : undefined;
  }

  /** How many sources are remembered. */
  get size(): number {
    return this.failures?.size ?? 0;
  }

  /** Throws TooManyRequests while the source is over the limit. */
  check(source: string): void {
    const recent = this.recent(source);
    if (!recent || recent.length < this.limit) return;
    const retryAfter = Math.max(1, Math.ceil((recent[0] + this.windowMs - this.clock.now().getTime()) / 1000));
    throw new TooManyRequests(`Too many failed authentication attempts from ${source}; retry in ${retryAfter} seconds.`, { retryAfter });
  }

  recordFailure(source: string): void {
    if (!this.failures) return;
    const recent = this.recent(source) ?? [];
    recent.push(this.clock.now().getTime());
    if (recent.length > this.limit) recent.splice(0, recent.length - this.limit);
    this.failures.set(source, recent);
  }

  /** The source's failures still in the window, oldest first (undefined when none are kept). */
  private recent(source: string): number[] | undefined {
    const list = this.failures?.peek(source);
    if (!list) return undefined;
    const since = this.clock.now().getTime() - this.windowMs;
    while (list.length && list[0] <= since) list.shift();
    if (!list.length) {
      this.failures!.delete(source);
      return undefined;
    }
    return list;
  }
}
