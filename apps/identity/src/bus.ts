import type { Logger } from '@kumo/common';
import { Messaging, MessagingClient } from '@kumo/messaging';
import type { IdentityConfig } from './config';
import { CATALOG_CHANGED_EVENT, CatalogService } from './services/catalog.service';
import { EventPublisher } from './services/events';
import { RevocationService, TOKEN_REVOKED_EVENT } from './services/revocation.service';

export interface Bus {
  publisher: EventPublisher;
  /** Resolves once what was published so far is confirmed by the broker, or false after `timeoutMs`. */
  settle(timeoutMs: number): Promise<boolean>;
  /** The bus itself, for subscriptions. */
  messaging: Messaging;
  close(): Promise<void>;
}

/**
 * Identity's events go to the RabbitMQ notifications exchange. Publishing never holds up an
 * identity write: it is confirmed in the background (retried across a reconnect) and a failure
 * is logged; revocations are also in the database, so other identity processes still see them.
 * `messaging` replaces RabbitMQ (tests: libs/messaging's in-memory bus).
 */
export async function connectBus(config: IdentityConfig, logger: Logger, messaging?: Messaging): Promise<Bus> {
  const client =
    messaging ??
    new MessagingClient({
      url: config.messaging.url,
      exchangePrefix: config.messaging.exchange_prefix,
      rpcTimeoutMs: config.messaging.rpc_timeout_ms,
      logger,
      connectionName: `kumo identity ${process.pid}`,
    });
  const pending = new Set<Promise<boolean>>();
  const publisher = new (class extends EventPublisher {
    async publish(eventType: string, payload: Record<string, unknown>): Promise<void> {
      const sent: Promise<boolean> = client.notify(undefined, eventType, payload).then(
        () => {
          logger.debug({ eventType }, 'event published');
          return true;
        },
        (err: unknown) => {
          logger.error({ eventType, err: (err as Error).message }, 'event not published');
          return false;
        },
      );
      pending.add(sent);
      void sent.finally(() => pending.delete(sent));
    }
  })();
  const settle = async (timeoutMs: number): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    const all = Promise.all([...pending]).then((results) => results.every(Boolean));
    try {
      return await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  return { publisher, settle, messaging: client, close: () => client.close() };
}

/**
 * Drops the built catalog when another identity process (or `kumo-manage`) changed it, as the
 * services' token caches follow `identity.token.revoked`. Never waits for the bus: while no event
 * can arrive the catalog is rebuilt every few seconds (CatalogService.refreshMs), and a log line
 * says when that starts and ends.
 */
export async function followCatalogChanges(bus: Bus, catalog: CatalogService, logger: Logger): Promise<{ close(): Promise<void> }> {
  let state: 'starting' | 'live' | 'down' = 'starting';
  const onActive = (active: boolean) => {
    catalog.setChangeFeed(active);
    if (active && state !== 'live') {
      logger.info({ event: CATALOG_CHANGED_EVENT, refreshSeconds: catalog.refreshMs / 1000 }, 'subscribed to catalog changes: the catalog is rebuilt when it changes');
      state = 'live';
    } else if (!active && state === 'live') {
      logger.warn({ event: CATALOG_CHANGED_EVENT, refreshSeconds: catalog.refreshMs / 1000 }, `message bus unreachable: the catalog is rebuilt every ${catalog.refreshMs / 1000} s until it is back`);
      state = 'down';
    }
  };
  const onChange = (_type: string, payload: Record<string, unknown>) => {
    if (catalog.onChangeEvent(payload)) logger.debug({ event: CATALOG_CHANGED_EVENT }, 'catalog changed elsewhere: rebuilt on next use');
  };
  return bus.messaging.subscribe(CATALOG_CHANGED_EVENT, onChange, { wait: false, onActive });
}

/**
 * Puts another identity process's revocations in force here as soon as it publishes them
 * (`identity.token.revoked`, the event the services' validation caches evict on): the stored list
 * is then read only every REVOCATION_FALLBACK_REFRESH_MS (60 s) as a safety net, every 5 s while no
 * event can arrive, and at once when the bus is back. A log line says when that starts and ends.
 */
export async function followRevocations(bus: Bus, revocations: RevocationService, logger: Logger): Promise<{ close(): Promise<void> }> {
  let state: 'starting' | 'live' | 'down' = 'starting';
  const onActive = (active: boolean) => {
    revocations.setChangeFeed(active);
    if (active && state !== 'live') {
      logger.info({ event: TOKEN_REVOKED_EVENT, refreshSeconds: revocations.refreshMs / 1000 }, state === 'down' ? 'message bus reachable again: revocations made elsewhere are in force here at once; the stored list was read again' : 'subscribed to revocations: those made by other identity processes are in force here at once');
      state = 'live';
    } else if (!active && state === 'live') {
      logger.warn({ event: TOKEN_REVOKED_EVENT, refreshSeconds: revocations.refreshMs / 1000 }, `message bus unreachable: revocations made by other identity processes are read from the database every ${revocations.refreshMs / 1000} s until it is back`);
      state = 'down';
    }
  };
  const onRevoked = (_type: string, payload: Record<string, unknown>) => {
    if (revocations.onRevokedEvent(payload)) logger.debug({ event: TOKEN_REVOKED_EVENT }, 'revocation made elsewhere: in force here');
  };
  return bus.messaging.subscribe(TOKEN_REVOKED_EVENT, onRevoked, { wait: false, onActive });
}
