import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger, RequestContext } from '@kumo/common';
import type { Contract, Handlers } from './contracts';
import { deliverEvent, dispatch, makeEnvelope, makeEvent, PendingCalls, readReply } from './rpc-core';
import type { CallOptions, CastOptions, EventHandler, Messaging, RpcClient, RpcOptions, ServeOptions, SubscribeOptions, Subscription } from './transport';

type Exchange = 'rpc' | 'notifications';
interface Message {
  body: string;
  replyTo?: string;
  correlationId?: string;
  expiresAt?: number;
}
type Consumer = (msg: Message) => Promise<void>;
interface Queue {
  durable: boolean;
  bindings: Array<{ exchange: Exchange; pattern: string }>;
  consumers: Consumer[];
  next: number;
  backlog: Message[];
}

/** A topic-exchange routing key match: `*` one word, `#` zero or more. */
export function topicMatches(pattern: string, key: string): boolean {
  const p = pattern.split('.');
  const k = key.split('.');
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === k.length;
    if (p[i] === '#') return match(i + 1, j) || (j < k.length && match(i, j + 1));
    return j < k.length && (p[i] === '*' || p[i] === k[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}

/**
 * A broker in memory, for unit tests: topic routing, durable queues that keep messages while
 * nobody consumes, round-robin between a queue's consumers, message expiry. Give one broker to
 * every InMemoryMessaging of a test (`broker.client()`) as they would share RabbitMQ.
 */
export class InMemoryBroker {
  private readonly queues = new Map<string, Queue>();
  private readonly replies = new Map<string, (msg: Message) => void>();

  client(opts: InMemoryMessagingOptions = {}): InMemoryMessaging {
    return new InMemoryMessaging({ ...opts, broker: this });
  }

  /** @internal */ declare(name: string, durable: boolean, bindings: Queue['bindings']): void {
    const q = this.queues.get(name);
    if (q) for (const b of bindings) q.bindings.push(b);
    else this.queues.set(name, { durable, bindings: [...bindings], consumers: [], next: 0, backlog: [] });
  }

  /** @internal */ consume(name: string, consumer: Consumer): () => void {
    const q = this.queues.get(name);
    if (!q) throw new Error(`no queue ${name}`);
    q.consumers.push(consumer);
    for (const m of q.backlog.splice(0)) this.deliver(q, m);
    return () => {
      q.consumers = q.consumers.filter((c) => c !== consumer);
      if (!q.durable && q.consumers.length === 0) this.queues.delete(name);
    };
  }

  /** @internal */ publish(exchange: Exchange, key: string, msg: Message): void {
    for (const q of this.queues.values()) {
      if (q.bindings.some((b) => b.exchange === exchange && topicMatches(b.pattern, key))) this.deliver(q, msg);
    }
  }

  /** @internal */ listenReplies(id: string, fn: (msg: Message) => void): () => void {
    this.replies.set(id, fn);
    return () => this.replies.delete(id);
  }

  /** @internal */ reply(to: string, msg: Message): void {
    const fn = this.replies.get(to);
    if (fn) setImmediate(() => fn(msg));
  }

  /** Messages waiting in a queue for a consumer (for assertions). */
  backlog(name: string): number {
    return this.queues.get(name)?.backlog.length ?? 0;
  }

  private deliver(q: Queue, msg: Message): void {
    if (msg.expiresAt !== undefined && Date.now() > msg.expiresAt) return;
    if (q.consumers.length === 0) {
      if (q.durable) q.backlog.push(msg);
      return;
    }
    const consumer = q.consumers[q.next++ % q.consumers.length];
    setImmediate(() => void consumer(msg));
  }
}

export interface InMemoryMessagingOptions {
  broker?: InMemoryBroker;
  rpcTimeoutMs?: number;
  logger?: Logger;
}

/**
 * The Messaging interface over an InMemoryBroker, with MessagingClient's semantics: envelopes go
 * through JSON, arguments and results are validated, versions checked, remote errors come back
 * typed, calls time out with RpcTimeout, `dropConnection()` fails pending calls with
 * RpcInterrupted as a lost broker connection does.
 */
export class InMemoryMessaging implements Messaging {
  readonly broker: InMemoryBroker;
  private readonly replyId = `reply.${randomUUID()}`;
  private readonly pending = new PendingCalls();
  private readonly listeners = new Set<(connected: boolean) => void>();
  private readonly active = new Set<(active: boolean) => void>();
  private readonly closers = new Set<() => void>();
  private readonly stopReplies: () => void;
  private up = true;

  constructor(private readonly opts: InMemoryMessagingOptions = {}) {
    this.broker = opts.broker ?? new InMemoryBroker();
    this.stopReplies = this.broker.listenReplies(this.replyId, (msg) => this.pending.settle(msg.correlationId, msg.body));
  }

  get connected(): boolean {
    return this.up;
  }

  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async ready(): Promise<void> {}

  /** As a lost broker connection: pending calls fail with RpcInterrupted, listeners hear false then true. */
  dropConnection(): void {
    this.up = false;
    for (const l of this.listeners) l(false);
    for (const a of this.active) a(false);
    this.pending.interruptAll('The message bus connection was lost');
    setImmediate(() => {
      this.up = true;
      for (const l of this.listeners) l(true);
      for (const a of this.active) a(true);
    });
  }

  rpc<C extends Contract>(contract: C, rpcOpts: RpcOptions = {}): RpcClient<C> {
    return {
      call: (ctx, method, args, opts) => this.call(contract, ctx, method, args, opts, rpcOpts.callerHost) as never,
      cast: (ctx, method, args, opts) => this.cast(contract, ctx, method, args, opts, rpcOpts.callerHost),
    };
  }

  private async call(contract: Contract, ctx: RequestContext | undefined, method: string, args: unknown, opts: CallOptions = {}, callerHost?: string): Promise<unknown> {
    const correlationId = randomUUID();
    const timeoutMs = opts.timeoutMs ?? this.opts.rpcTimeoutMs ?? 60_000;
    const body = makeEnvelope(contract, ctx, method, args, callerHost);
    const reply = this.pending.wait(correlationId, contract.topic, method, timeoutMs);
    const key = opts.server ? `${contract.topic}.${opts.server}` : contract.topic;
    this.broker.publish('rpc', key, { body, replyTo: this.replyId, correlationId, expiresAt: Date.now() + timeoutMs });
    return readReply(contract, method, await reply);
  }

  private async cast(contract: Contract, ctx: RequestContext | undefined, method: string, args: unknown, opts: CastOptions = {}, callerHost?: string): Promise<void> {
    const key = opts.fanout ? `${contract.topic}.fanout` : opts.server ? `${contract.topic}.${opts.server}` : contract.topic;
    this.broker.publish('rpc', key, { body: makeEnvelope(contract, ctx, method, args, callerHost) });
  }

  async serve<C extends Contract>(contract: C, handlers: Handlers<C>, opts: ServeOptions = {}): Promise<Subscription> {
    const { topic } = contract;
    const server = opts.server ?? hostname();
    const fanout = `${topic}.fanout.${server}.${randomUUID().slice(0, 8)}`;
    this.broker.declare(topic, true, [{ exchange: 'rpc', pattern: topic }]);
    this.broker.declare(`${topic}.${server}`, true, [{ exchange: 'rpc', pattern: `${topic}.${server}` }]);
    this.broker.declare(fanout, false, [{ exchange: 'rpc', pattern: `${topic}.fanout` }]);
    const consumer: Consumer = async (msg) => {
      const { reply } = await dispatch(contract, handlers, msg.body, this.opts.logger);
      if (msg.replyTo) this.broker.reply(msg.replyTo, { body: JSON.stringify(reply), correlationId: msg.correlationId });
    };
    const stops = [topic, `${topic}.${server}`, fanout].map((q) => this.broker.consume(q, consumer));
    return this.track(() => stops.forEach((s) => s()));
  }

  async notify(ctx: RequestContext | undefined, eventType: string, payload: Record<string, unknown>): Promise<void> {
    this.broker.publish('notifications', eventType, { body: makeEvent(ctx, eventType, payload) });
  }

  async subscribe(patterns: string | string[], handler: EventHandler, opts: SubscribeOptions = {}): Promise<Subscription> {
    const name = `events.${opts.queue ?? randomUUID()}`;
    const list = Array.isArray(patterns) ? patterns : [patterns];
    this.broker.declare(name, !!opts.queue, list.map((pattern) => ({ exchange: 'notifications' as const, pattern })));
    const stop = this.broker.consume(name, (msg) => deliverEvent(msg.body, handler, this.opts.logger));
    const onActive = opts.onActive;
    if (onActive) {
      this.active.add(onActive);
      onActive(true);
    }
    return this.track(() => {
      stop();
      if (onActive) {
        this.active.delete(onActive);
        onActive(false);
      }
    });
  }

  private track(stop: () => void): Subscription {
    this.closers.add(stop);
    return {
      close: async () => {
        if (this.closers.delete(stop)) stop();
      },
    };
  }

  async close(): Promise<void> {
    this.pending.interruptAll('The message bus client closed');
    for (const stop of [...this.closers]) stop();
    this.closers.clear();
    this.stopReplies();
  }
}
