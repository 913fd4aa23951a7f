import type { RequestContext } from '@kumo/common';
import type { ArgsOf, CallMethods, CastMethods, Contract, Handlers, ResultOf } from './contracts';

export interface CallOptions {
  /** Target one server of the topic (routing key `<topic>.<server>`); without it any server answers. */
  server?: string;
  timeoutMs?: number;
}
export interface CastOptions {
  server?: string;
  /** Deliver to every server of the topic. */
  fanout?: boolean;
  /**
   * Give up (RpcInterrupted) when the broker has not confirmed the message within this time. Without
   * it a cast made while the broker is down waits for it to come back, however long that takes.
   */
  timeoutMs?: number;
}
export interface RpcOptions {
  /**
   * The host this caller acts for (a compute agent's host): set in every message's context as
   * `callerHost`, replacing whatever the context it was given carried, so a server can refuse
   * what a host may not do. Without it the context carries no `callerHost`.
   */
  callerHost?: string;
}
export interface ServeOptions {
  /** This server's name, for host-targeted messages (default: the host name). */
  server?: string;
  /** Messages handled at once (default 8). */
  prefetch?: number;
}

/** The typed caller side of one contract. */
export interface RpcClient<C extends Contract> {
  call<M extends CallMethods<C>>(ctx: RequestContext | undefined, method: M, args: ArgsOf<C, M>, opts?: CallOptions): Promise<ResultOf<C, M>>;
  cast<M extends CastMethods<C>>(ctx: RequestContext | undefined, method: M, args: ArgsOf<C, M>, opts?: CastOptions): Promise<void>;
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

export type EventHandler = (eventType: string, payload: Record<string, unknown>) => Promise<void> | void;

/**
 * What services use of the message bus: typed RPC on contracts, and notifications. Implemented by
 * MessagingClient (RabbitMQ) and InMemoryMessaging (unit tests), with the same semantics.
 */
export interface Messaging {
  readonly connected: boolean;
  onConnectionChange(listener: (connected: boolean) => void): () => void;
  ready(): Promise<void>;
  rpc<C extends Contract>(contract: C, opts?: RpcOptions): RpcClient<C>;
  /**
   * Serves a contract: messages for the topic (shared between servers), for this server, and
   * fanout casts. Arguments are validated with the contract's schemas, the caller's version is
   * checked, each handler runs in the caller's context, and the message is acked after it finishes.
   */
  serve<C extends Contract>(contract: C, handlers: Handlers<C>, opts?: ServeOptions): Promise<Subscription>;
  notify(ctx: RequestContext | undefined, eventType: string, payload: Record<string, unknown>): Promise<void>;
  subscribe(patterns: string | string[], handler: EventHandler, opts?: SubscribeOptions): Promise<Subscription>;
  close(): Promise<void>;
}
