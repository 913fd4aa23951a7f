import { Injectable } from '@nestjs/common';

/** Where identity publishes its events (RabbitMQ notifications in production). */
export abstract class EventPublisher {
  /** Best effort: a broker outage must not fail an identity write. */
  abstract publish(eventType: string, payload: Record<string, unknown>): Promise<void>;
}

/** Cache invalidation inside the identity process: any write that can change a token's view. */
@Injectable()
export class ChangeFeed {
  private readonly listeners: Array<() => void> = [];

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  changed(): void {
    for (const l of this.listeners) l();
  }
}
