import type { Logger } from '@kumo/common';
import { MessagingClient } from '@kumo/messaging';
import type { IdentityConfig } from './config';
import { EventPublisher } from './services/events';

export interface Bus {
  publisher: EventPublisher;
  close(): Promise<void>;
}

/**
 * Identity's events go to the RabbitMQ notifications exchange. Publishing never holds up an
 * identity write: it is confirmed in the background (retried across a reconnect) and a failure
 * is logged; revocations are also in the database, so other identity processes still see them.
 */
export async function connectBus(config: IdentityConfig, logger: Logger): Promise<Bus> {
  const client = new MessagingClient({
    url: config.messaging.url,
    exchangePrefix: config.messaging.exchange_prefix,
    rpcTimeoutMs: config.messaging.rpc_timeout_ms,
    logger,
    connectionName: `kumo identity ${process.pid}`,
  });
  const publisher = new (class extends EventPublisher {
    async publish(eventType: string, payload: Record<string, unknown>): Promise<void> {
      client.notify(undefined, eventType, payload).then(
        () => logger.debug({ eventType }, 'event published'),
        (err: unknown) => logger.error({ eventType, err: (err as Error).message }, 'event not published'),
      );
    }
  })();
  return { publisher, close: () => client.close() };
}
