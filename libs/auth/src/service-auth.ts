import type { Logger } from '@kumo/common';
import { MessagingClient } from '@kumo/messaging';
import {
  CachingTokenValidator,
  KeystoneTokenValidator,
  revocationFilterOf,
  ServiceCredentials,
  TOKEN_REVOKED_EVENT,
  TokenValidator,
} from './token-validator';

/** What a service's config gives token validation: its identity credentials and the bus. */
export interface ServiceAuthOptions {
  /** The service's name, for logs and RabbitMQ's connection list. */
  service: string;
  /** The service user's credentials (project `service`, domain `default` unless given). */
  credentials: Pick<ServiceCredentials, 'auth_url' | 'username' | 'password'> & Partial<ServiceCredentials>;
  /** The `messaging` section of kumo.yaml. */
  messaging: { url: string; exchange_prefix: string };
  logger: Logger;
  /** Overrides for tests: cache TTLs and clock, the validator behind the cache, the bus. */
  cache?: { ttlMs?: number; fallbackTtlMs?: number; max?: number; now?: () => number };
  identity?: TokenValidator;
  bus?: RevocationBus;
}

/** The part of MessagingClient that revocation needs (a test may give its own). */
export interface RevocationBus {
  subscribe(
    patterns: string,
    handler: (eventType: string, payload: Record<string, unknown>) => Promise<void> | void,
    opts: { wait: false; onActive: (active: boolean) => void },
  ): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

export interface ServiceAuth {
  /** The validator to give the service's guard. */
  validator: CachingTokenValidator;
  /** Resolves once revocation events arrive (tests; a service never waits for the bus). */
  revocationFeedReady(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Token validation for a service process, the one start-up path every service uses: identity's
 * validator behind a cache that evicts on `identity.token.revoked`. Never waits for the bus: while
 * it is unreachable (at start or later) the service keeps validating, with cached validations
 * living at most the fallback TTL (30 s); a log line says when that starts and when it ends.
 */
export function startServiceAuth(opts: ServiceAuthOptions): ServiceAuth {
  const { logger: log } = opts;
  const c = opts.credentials;
  const validator = new CachingTokenValidator(
    opts.identity ??
      new KeystoneTokenValidator({
        auth_url: c.auth_url,
        username: c.username,
        password: c.password,
        project_name: c.project_name ?? 'service',
        user_domain_id: c.user_domain_id ?? 'default',
        project_domain_id: c.project_domain_id ?? 'default',
      }),
    opts.cache,
  );
  // until the subscription runs, a revocation could be missed: short TTL from the start
  validator.setRevocationFeed(false);
  const bus =
    opts.bus ??
    new MessagingClient({
      url: opts.messaging.url,
      exchangePrefix: opts.messaging.exchange_prefix,
      logger: log,
      connectionName: `kumo ${opts.service} ${process.pid}`,
    });
  let state: 'starting' | 'live' | 'down' | 'closed' = 'starting';
  let ready!: () => void;
  const readyPromise = new Promise<void>((r) => (ready = r));
  const onActive = (active: boolean) => {
    if (state === 'closed') return;
    if (active && state !== 'live') {
      const dropped = validator.setRevocationFeed(true);
      log.info(
        { event: TOKEN_REVOKED_EVENT, ttlSeconds: validator.maxAgeMs / 1000, dropped },
        state === 'down'
          ? 'message bus reachable again: revocations evict cached tokens, validations are cached up to the full TTL again'
          : 'subscribed to token revocations: revoked tokens are evicted from the validation cache',
      );
      state = 'live';
      ready();
    } else if (!active && state !== 'down') {
      const dropped = validator.setRevocationFeed(false);
      log.warn(
        { event: TOKEN_REVOKED_EVENT, ttlSeconds: validator.maxAgeMs / 1000, dropped },
        `message bus unreachable: token revocations cannot reach this service, so validations are cached for at most ${validator.maxAgeMs / 1000} s until it is back`,
      );
      state = 'down';
    }
  };
  const onRevoked = (_type: string, payload: Record<string, unknown>) => {
    const filter = revocationFilterOf(payload);
    const evicted = validator.evict(filter);
    log.debug({ event: TOKEN_REVOKED_EVENT, filter, evicted }, 'token revocation received');
  };
  const subscription = bus.subscribe(TOKEN_REVOKED_EVENT, onRevoked, { wait: false, onActive });
  return {
    validator,
    revocationFeedReady: () => readyPromise,
    close: async () => {
      state = 'closed';
      await (await subscription).close().catch(() => undefined);
      if (!opts.bus) await bus.close();
    },
  };
}
