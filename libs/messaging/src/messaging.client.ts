import { randomUUID } from 'node:crypto';
import amqp, { AmqpConnectionManager, ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { ZodTypeAny } from 'zod';
import { BadRequest, currentContext, Logger, newRequestId, publicContext, RequestContext, runWithContext } from '@kumo/common';
import type { ArgsOf, CallMethods, CastMethods, Handlers, ResultOf } from './contracts';
import { fromWireError, RpcInterrupted, RpcTimeout, toWireError, WireError } from './errors';

export interface MessagingOptions {
  url: string;
  /** Prefix of every exchange and queue, so deployments and test runs can share a broker. */
  exchangePrefix: string;
  rpcTimeoutMs?: number;
  logger?: Logger;
  /** Shown in RabbitMQ's connection list. */
  connectionName?: string;
}

/** What travels in every message. */
interface Envelope {
  method: string;
  version: string;
  args: unknown;
  ctx: Omit<RequestContext, 'authToken'>;
}

interface Reply {
  result?: unknown;
  error?: WireError;
}

export interface CallOptions {
  /** Target one server of the topic (routing key `<topic>.<server>`). */
  server?: string;
  timeoutMs?: number;
}
export interface CastOptions {
  server?: string;
  /** Deliver to every server of the topic. */
  fanout?: boolean;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; method: string };

/** The typed caller side of one topic's contract. */
export interface RpcClient<C> {
  call<M extends CallMethods<C>>(ctx: RequestContext | undefined, method: M, args: ArgsOf<C[M]>, opts?: CallOptions): Promise<ResultOf<C[M]>>;
  cast<M extends CastMethods<C>>(ctx: RequestContext | undefined, method: M, args: ArgsOf<C[M]>, opts?: CastOptions): Promise<void>;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /** A durable queue of this name keeps events while the consumer is down; without it the queue is exclusive. */
  queue?: string;
  /** false: return at once, the consumer starts whenever the broker is reachable (default: wait for it). */
  wait?: boolean;
  /**
   * Told true each time the consumer is receiving (after the first connect and after every
   * reconnect) and false each time it stops (connection lost, broker unreachable, channel closed).
   * Events published while it was false are lost for an exclusive queue.
   */
  onActive?: (active: boolean) => void;
}

/**
 * Typed RPC (call/cast, host-targeted and fanout) and notifications over RabbitMQ, through
 * amqp-connection-manager: the connection and every channel come back after a broker outage,
 * with their exchanges, queues and consumers re-declared, and casts published meanwhile are
 * delivered once it is back. No amqplib type leaves this class.
 */
export class MessagingClient {
  private readonly conn: AmqpConnectionManager;
  private readonly publisher: ChannelWrapper;
  private readonly replyQueue = `reply.${randomUUID()}`;
  private readonly pending = new Map<string, Pending>();
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

  rpc<C>(topic: string): RpcClient<C> {
    return {
      call: (ctx, method, args, opts) => this.call(topic, ctx, method, args, opts) as never,
      cast: (ctx, method, args, opts) => this.cast(topic, ctx, method, args, opts),
    };
  }

  private envelope(ctx: RequestContext | undefined, method: string, args: unknown): Envelope {
    const c = ctx ?? currentContext() ?? { requestId: newRequestId() };
    return { method, version: '1.0', args, ctx: publicContext(c) };
  }

  private async call(topic: string, ctx: RequestContext | undefined, method: string, args: unknown, opts: CallOptions = {}): Promise<unknown> {
    const correlationId = randomUUID();
    const timeoutMs = opts.timeoutMs ?? this.opts.rpcTimeoutMs ?? 60_000;
    const started = Date.now();
    const env = this.envelope(ctx, method, args);
    const result = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new RpcTimeout(`No reply to ${topic}.${method} within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.pending.set(correlationId, { resolve, reject, timer, method });
    });
    try {
      await this.publisher.publish(this.rpcExchange, opts.server ? `${topic}.${opts.server}` : topic, Buffer.from(JSON.stringify(env)), {
        correlationId,
        replyTo: this.replyQueue,
        contentType: 'application/json',
        expiration: String(timeoutMs),
      });
    } catch (err) {
      const p = this.pending.get(correlationId);
      if (p) {
        clearTimeout(p.timer);
        this.pending.delete(correlationId);
      }
      throw new RpcInterrupted(`Could not send ${topic}.${method}: ${(err as Error).message}`);
    }
    try {
      return await result;
    } finally {
      this.log?.debug({ topic, method, requestId: env.ctx.requestId, ms: Date.now() - started }, 'rpc call');
    }
  }

  private async cast(topic: string, ctx: RequestContext | undefined, method: string, args: unknown, opts: CastOptions = {}): Promise<void> {
    const env = this.envelope(ctx, method, args);
    const key = opts.fanout ? `${topic}.fanout` : opts.server ? `${topic}.${opts.server}` : topic;
    await this.publishReliably(this.rpcExchange, key, Buffer.from(JSON.stringify(env)));
    this.log?.debug({ topic, method, key, requestId: env.ctx.requestId }, 'rpc cast');
  }

  /** Publishes an event on the notifications exchange (routing key = event type). */
  async notify(ctx: RequestContext | undefined, eventType: string, payload: Record<string, unknown>): Promise<void> {
    const c = ctx ?? currentContext() ?? { requestId: newRequestId() };
    const body = { event_type: eventType, payload, ctx: publicContext(c), timestamp: new Date().toISOString(), message_id: randomUUID() };
    await this.publishReliably(this.notifyExchange, eventType, Buffer.from(JSON.stringify(body)));
  }

  /**
   * Persistent publish that resolves once the broker confirms it. A publish caught by a dropped
   * connection is sent again after the reconnect (at-least-once: receivers are idempotent).
   */
  private async publishReliably(exchange: string, key: string, body: Buffer, attempts = 20): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        await this.publisher.publish(exchange, key, body, { persistent: true, contentType: 'application/json' });
        return;
      } catch (err) {
        if (this.closed || i >= attempts) throw new RpcInterrupted(`Could not publish ${key}: ${(err as Error).message}`);
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
    handler: (eventType: string, payload: Record<string, unknown>) => Promise<void> | void,
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

  private async onEvent(ch: Channel, msg: ConsumeMessage, handler: (t: string, p: Record<string, unknown>) => Promise<void> | void): Promise<void> {
    try {
      const body = JSON.parse(msg.content.toString()) as { event_type: string; payload: Record<string, unknown>; ctx?: RequestContext };
      await runWithContext({ ...(body.ctx ?? {}), requestId: body.ctx?.requestId ?? newRequestId() }, () => handler(body.event_type, body.payload));
    } catch (err) {
      this.log?.error({ err }, 'event handler failed');
    } finally {
      safeAck(ch, msg);
    }
  }

  /**
   * Serves a contract: consumes `<topic>` (shared), `<topic>.<server>` (this server) and
   * `<topic>.fanout` (every server). Arguments are validated with the method's schema when given;
   * the handler runs in the caller's request context; the message is acked after it finishes.
   */
  async serve<C>(
    topic: string,
    server: string,
    handlers: Handlers<C>,
    schemas: Partial<Record<keyof C, ZodTypeAny>> = {},
    opts: { prefetch?: number } = {},
  ): Promise<Subscription> {
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
          await ch.consume(q, (msg) => msg && void this.onRequest(ch, msg, handlers as Record<string, (a: unknown) => unknown>, schemas as Record<string, ZodTypeAny>));
        }
      },
    });
    this.channels.push(channel);
    await channel.waitForConnect();
    return { close: () => channel.close() };
  }

  private async onRequest(ch: Channel, msg: ConsumeMessage, handlers: Record<string, (a: unknown) => unknown>, schemas: Record<string, ZodTypeAny>): Promise<void> {
    let reply: Reply;
    let env: Envelope | undefined;
    try {
      env = JSON.parse(msg.content.toString()) as Envelope;
      const handler = handlers[env.method];
      if (!handler) throw new BadRequest(`Unknown RPC method ${env.method}.`);
      const schema = schemas[env.method];
      let args = env.args;
      if (schema) {
        const parsed = schema.safeParse(args);
        if (!parsed.success) throw new BadRequest(`Invalid arguments for ${env.method}: ${parsed.error.issues[0].path.join('.')} ${parsed.error.issues[0].message}`);
        args = parsed.data;
      }
      const ctx: RequestContext = { ...env.ctx, requestId: env.ctx?.requestId ?? newRequestId() };
      const result = await runWithContext(ctx, () => handler(args));
      reply = { result: result ?? null };
    } catch (err) {
      if (!(err instanceof BadRequest)) this.log?.error({ err, method: env?.method }, 'rpc handler failed');
      reply = { error: toWireError(err) };
    }
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
    const id = msg.properties.correlationId as string | undefined;
    const p = id ? this.pending.get(id) : undefined;
    if (!p || !id) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    try {
      const reply = JSON.parse(msg.content.toString()) as Reply;
      if (reply.error) p.reject(fromWireError(reply.error));
      else p.resolve(reply.result);
    } catch (err) {
      p.reject(err as Error);
    }
  }

  private failPending(): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RpcInterrupted(`The message bus connection was lost while waiting for ${p.method}.`));
      this.pending.delete(id);
    }
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
