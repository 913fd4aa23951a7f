import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import amqp, { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Logger, RequestContext } from '@kumo/common';
import type { Contract, Handlers } from './contracts';
import { RpcInterrupted } from './errors';
import { deliverEvent, dispatch, makeEnvelope, makeEvent, PendingCalls, readReply } from './rpc-core';
import type { CallOptions, CastOptions, EventHandler, Messaging, RpcClient, RpcOptions, ServeOptions, SubscribeOptions, Subscription } from './transport';

export type { CallOptions, CastOptions, RpcClient, RpcOptions, ServeOptions, SubscribeOptions, Subscription } from './transport';

export interface MessagingOptions {
  url: string;
  /** Prefix of every exchange and queue, so deployments and test runs can share a broker. */
  exchangePrefix: string;
  rpcTimeoutMs?: number;
  logger?: Logger;
  /** Shown in RabbitMQ's connection list. */
  connectionName?: string;
}

/**
 * Typed RPC (call/cast, host-targeted and fanout) and notifications over RabbitMQ, through
 * amqp-connection-manager: the connection and every channel come back after a broker outage,
 * with their exchanges, queues and consumers re-declared, and casts published meanwhile are
 * delivered once it is back. No amqplib type leaves this class.
 */
export class MessagingClient implements Messaging {
  private readonly conn: AmqpConnectionManager;
  private readonly publisher: ChannelWrapper;
  private readonly replyQueue = `reply.${randomUUID()}`;
  private readonly pending = new PendingCalls();
  private readonly channels: ChannelWrapper[] = [];
  private readonly rpcExchange: string;
  private readonly notifyExchange: string;
  private readonly log?: Logger;
  private closed = false;
  private lastState?: boolean;
  private readonly stateListeners = new Set<(connected: boolean) => void>();

  constructor(private readonly opts: MessagingOptions) {
    this.rpcExchange = `${opts.exchangePrefix}.rpc`;
    this.notifyExchange = `${opts.exchangePrefix}.notifications`;
    this.log = opts.logger;
    this.conn = amqp.connect([opts.url], {
      heartbeatIntervalInSeconds: 15,
      reconnectTimeInSeconds: 1,
      connectionOptions: { clientProperties: { connection_name: opts.connectionName ?? `kumo ${process.pid}` } },
    });
    this.conn.on('disconnect', ({ err }) => {
      this.log?.warn({ err: err?.message }, 'message bus connection lost');
      this.failPending();
      this.setState(false);
    });
    this.conn.on('connectFailed', ({ err }) => {
      if (this.lastState !== false) this.log?.warn({ err: err?.message, url: redactUrl(opts.url) }, 'message bus unreachable, retrying');
      this.setState(false);
    });
    this.conn.on('connect', () => {
      this.log?.info('message bus connected');
      this.setState(true);
    });
    const replyQueue = this.replyQueue;
    this.publisher = this.conn.createChannel({
      json: false,
      confirm: true,
      setup: async (ch: Channel) => {
        await ch.assertExchange(this.rpcExchange, 'topic', { durable: true });
        await ch.assertExchange(this.notifyExchange, 'topic', { durable: true });
        await ch.assertQueue(replyQueue, { exclusive: true, autoDelete: true });
        await ch.consume(replyQueue, (msg) => msg && this.onReply(msg), { noAck: true });
      },
    });
  }

  /** True while the connection to the broker is up. */
  get connected(): boolean {
    return this.conn.isConnected();
  }

  /**
   * Calls the listener with false when the connection is lost or an attempt fails, and with true
   * when it is (re)established; only changes are reported. Returns a function that removes it.
   */
  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private setState(connected: boolean): void {
    if (this.lastState === connected) return;
    this.lastState = connected;
    for (const l of this.stateListeners) l(connected);
  }

  /** Resolves once connected and the topology is declared (waits while the broker is down). */
  async ready(): Promise<void> {
    await this.publisher.waitForConnect();
  }

  rpc<C extends Contract>(contract: C, rpcOpts: RpcOptions = {}): RpcClient<C> {
    return {
      call: (ctx, method, args, opts) => this.call(contract, ctx, method, args, opts, rpcOpts.callerHost) as never,
      cast: (ctx, method, args, opts) => this.cast(contract, ctx, method, args, opts, rpcOpts.callerHost),
    };
  }

  private async call(contract: Contract, ctx: RequestContext | undefined, method: string, args: unknown, opts: CallOptions = {}, callerHost?: string): Promise<unknown> {
    const topic = contract.topic;
    const correlationId = randomUUID();
    const timeoutMs = opts.timeoutMs ?? this.opts.rpcTimeoutMs ?? 60_000;
    const started = Date.now();
    const body = makeEnvelope(contract, ctx, method, args, callerHost);
    const reply = this.pending.wait(correlationId, topic, method, timeoutMs);
    try {
      await this.publisher.publish(this.rpcExchange, opts.server ? `${topic}.${opts.server}` : topic, Buffer.from(body), {
        correlationId,
        replyTo: this.replyQueue,
        contentType: 'application/json',
        expiration: String(timeoutMs),
      });
    } catch (err) {
      this.pending.fail(correlationId, new RpcInterrupted(`Could not send ${topic}.${method}: ${(err as Error).message}`));
    }
    try {
      return readReply(contract, method, await reply);
    } finally {
      this.log?.debug({ topic, method, ms: Date.now() - started }, 'rpc call');
    }
  }

  private async cast(contract: Contract, ctx: RequestContext | undefined, method: string, args: unknown, opts: CastOptions = {}, callerHost?: string): Promise<void> {
    const topic = contract.topic;
    const key = opts.fanout ? `${topic}.fanout` : opts.server ? `${topic}.${opts.server}` : topic;
    await this.publishReliably(this.rpcExchange, key, Buffer.from(makeEnvelope(contract, ctx, method, args, callerHost)), opts.timeoutMs);
    this.log?.debug({ topic, method, key }, 'rpc cast');
  }

  /** Publishes an event on the notifications exchange (routing key = event type). */
  async notify(ctx: RequestContext | undefined, eventType: string, payload: Record<string, unknown>): Promise<void> {
    await this.publishReliably(this.notifyExchange, eventType, Buffer.from(makeEvent(ctx, eventType, payload)));
  }

  /**
   * Persistent publish that resolves once the broker confirms it. A publish caught by a dropped
   * connection is sent again after the reconnect (at-least-once: receivers are idempotent); one made
   * while the broker is down waits for it, up to `timeoutMs` when given (then RpcInterrupted).
   */
  private async publishReliably(exchange: string, key: string, body: Buffer, timeoutMs?: number, attempts = 20): Promise<void> {
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    for (let i = 1; ; i++) {
      const left = deadline - Date.now();
      try {
        if (left <= 0) throw new Error(`not confirmed by the broker within ${timeoutMs} ms`);
        await this.publisher.publish(exchange, key, body, { persistent: true, contentType: 'application/json', ...(Number.isFinite(left) ? { timeout: Math.ceil(left) } : {}) });
        return;
      } catch (err) {
        const why = (err as Error).message === 'timeout' ? `not confirmed by the broker within ${timeoutMs} ms (${this.connected ? 'connected' : 'the broker is unreachable'})` : (err as Error).message;
        if (this.closed || i >= attempts || Date.now() >= deadline) throw new RpcInterrupted(`Could not publish ${key}: ${why}`);
        this.log?.warn({ key, attempt: i }, 'publish interrupted, retrying after reconnect');
        await new Promise((r) => setTimeout(r, Math.min(250 * i, 2000)));
      }
    }
  }

  /**
   * Consumes events matching the patterns (`*`/`#` wildcards). With a queue name the queue is
   * durable, so a consumer that was down receives what it missed; without one it is exclusive.
   * Resolves once the consumer runs, or at once with `wait: false`.
   */
  async subscribe(
    patterns: string | string[],
    handler: EventHandler,
    opts: SubscribeOptions = {},
  ): Promise<Subscription> {
    const queue = opts.queue ? `${this.opts.exchangePrefix}.events.${opts.queue}` : `${this.opts.exchangePrefix}.events.${randomUUID()}`;
    const list = Array.isArray(patterns) ? patterns : [patterns];
    const channel = this.conn.createChannel({
      setup: async (ch: Channel) => {
        await ch.assertExchange(this.notifyExchange, 'topic', { durable: true });
        await ch.assertQueue(queue, opts.queue ? { durable: true } : { exclusive: true, autoDelete: true });
        for (const p of list) await ch.bindQueue(queue, this.notifyExchange, p);
        await ch.prefetch(16);
        await ch.consume(queue, (msg) => msg && void this.onEvent(ch, msg, handler));
        ch.once('close', () => opts.onActive?.(false));
        opts.onActive?.(true);
      },
    });
    if (opts.onActive) {
      const inactive = () => opts.onActive?.(false);
      this.conn.on('disconnect', inactive);
      this.conn.on('connectFailed', inactive);
      channel.on('error', inactive);
      channel.once('close', () => {
        this.conn.removeListener('disconnect', inactive);
        this.conn.removeListener('connectFailed', inactive);
      });
    }
    this.channels.push(channel);
    if (opts.wait !== false) await channel.waitForConnect();
    return { close: () => channel.close() };
  }

  private async onEvent(ch: Channel, msg: ConsumeMessage, handler: EventHandler): Promise<void> {
    try {
      await deliverEvent(msg.content.toString(), handler, this.log);
    } finally {
      safeAck(ch, msg);
    }
  }

  /**
   * Serves a contract: consumes `<topic>` (shared), `<topic>.<server>` (this server) and
   * `<topic>.fanout` (every server); see Messaging.serve and dispatch().
   */
  async serve<C extends Contract>(contract: C, handlers: Handlers<C>, opts: ServeOptions = {}): Promise<Subscription> {
    const { topic } = contract;
    const server = opts.server ?? hostname();
    const prefix = this.opts.exchangePrefix;
    const shared = `${prefix}.${topic}`;
    const own = `${prefix}.${topic}.${server}`;
    const fanout = `${prefix}.${topic}.fanout.${server}.${randomUUID().slice(0, 8)}`;
    const channel = this.conn.createChannel({
      setup: async (ch: Channel) => {
        await ch.assertExchange(this.rpcExchange, 'topic', { durable: true });
        await ch.assertQueue(shared, { durable: true });
        await ch.bindQueue(shared, this.rpcExchange, topic);
        await ch.assertQueue(own, { durable: true });
        await ch.bindQueue(own, this.rpcExchange, `${topic}.${server}`);
        await ch.assertQueue(fanout, { exclusive: true, autoDelete: true });
        await ch.bindQueue(fanout, this.rpcExchange, `${topic}.fanout`);
        await ch.prefetch(opts.prefetch ?? 8);
        for (const q of [shared, own, fanout]) {
          await ch.consume(q, (msg) => msg && void this.onRequest(ch, msg, contract, handlers));
        }
      },
    });
    this.channels.push(channel);
    await channel.waitForConnect();
    return { close: () => channel.close() };
  }

  private async onRequest<C extends Contract>(ch: Channel, msg: ConsumeMessage, contract: C, handlers: Handlers<C>): Promise<void> {
    const { reply } = await dispatch(contract, handlers, msg.content.toString(), this.log);
    try {
      if (msg.properties.replyTo) {
        ch.sendToQueue(msg.properties.replyTo, Buffer.from(JSON.stringify(reply)), { correlationId: msg.properties.correlationId });
      }
    } catch {
      // channel closed while the handler ran: the caller sees RpcInterrupted or a timeout
    } finally {
      // the broker redelivers if the channel went away meanwhile (handlers are idempotent)
      safeAck(ch, msg);
    }
  }

  private onReply(msg: ConsumeMessage): void {
    this.pending.settle(msg.properties.correlationId as string | undefined, msg.content.toString());
  }

  private failPending(): void {
    this.pending.interruptAll('The message bus connection was lost');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failPending();
    for (const ch of this.channels) await ch.close().catch(() => undefined);
    await this.publisher.close().catch(() => undefined);
    await this.conn.close();
  }
}

/** The broker URL without its password, for logs. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}

function safeAck(ch: Channel, msg: ConsumeMessage): void {
  try {
    ch.ack(msg);
  } catch {
    // channel closed: the message will be redelivered
  }
}
