import { randomUUID } from 'node:crypto';
import type { ZodTypeAny } from 'zod';
import { currentContext, Logger, newRequestId, publicContext, RequestContext, runWithContext } from '@kumo/common/core';
import { Contract, Handlers, parseVersion, RpcContext, versionServes } from './contracts';
import {
  fromWireError,
  RpcBadMessage,
  RpcInterrupted,
  RpcInvalidArguments,
  RpcInvalidResult,
  RpcTimeout,
  RpcUnknownMethod,
  RpcVersionMismatch,
  toWireError,
  WireError,
} from './errors';

/**
 * What travels in every RPC message, whatever the transport: the method, the caller's contract
 * version, the arguments and the caller's public context.
 */
export interface Envelope {
  method: string;
  version: string;
  args: unknown;
  ctx: RpcContext;
}

export interface Reply {
  result?: unknown;
  error?: WireError;
}

/**
 * The envelope of a call or cast, in the given context (else the current one, else a new request
 * id). `callerHost` is the sending client's (RpcOptions), never one a received context carried.
 */
export function makeEnvelope(contract: Contract, ctx: RequestContext | undefined, method: string, args: unknown, callerHost?: string): string {
  const c = ctx ?? currentContext() ?? { requestId: newRequestId() };
  const { callerHost: _inbound, ...pub } = publicContext(c) as RpcContext;
  const env: Envelope = { method, version: contract.version, args, ctx: callerHost ? { ...pub, callerHost } : pub };
  return JSON.stringify(env);
}

function firstIssue(err: { issues: Array<{ path: Array<string | number>; message: string }> }): string {
  const i = err.issues[0];
  return i ? `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}` : 'invalid';
}

function readEnvelope(contract: Contract, body: string): Envelope {
  let env: unknown;
  try {
    env = JSON.parse(body);
  } catch {
    throw new RpcBadMessage(`The message to ${contract.topic} is not JSON.`);
  }
  const e = env as Partial<Envelope> | null;
  if (!e || typeof e !== 'object' || typeof e.method !== 'string' || !('args' in e)) {
    throw new RpcBadMessage(`The message to ${contract.topic} is not an RPC envelope (method, version, args, ctx).`);
  }
  if (!parseVersion(e.version)) {
    throw new RpcBadMessage(`The message to ${contract.topic}.${e.method} has no major.minor version.`);
  }
  const { callerHost, ...ctx } = e.ctx && typeof e.ctx === 'object' ? e.ctx : ({} as RpcContext);
  return {
    method: e.method,
    version: e.version as string,
    args: e.args,
    ctx: { ...ctx, requestId: typeof ctx.requestId === 'string' ? ctx.requestId : newRequestId(), ...(typeof callerHost === 'string' && callerHost ? { callerHost } : {}) },
  };
}

/**
 * Serves one message of a contract: checks the caller's version, validates the arguments with the
 * method's schema, runs the handler in the caller's context and validates its result. Never
 * throws: every failure is a typed error reply (for a cast nobody reads it; it is logged).
 */
export async function dispatch<C extends Contract>(
  contract: C,
  handlers: Handlers<C>,
  body: string,
  log?: Logger,
): Promise<{ reply: Reply; method?: string; kind?: 'call' | 'cast' }> {
  let env: Envelope | undefined;
  let kind: 'call' | 'cast' | undefined;
  try {
    env = readEnvelope(contract, body);
    if (!versionServes(contract.version, env.version)) {
      throw new RpcVersionMismatch(
        `${contract.topic}: the caller speaks version ${env.version}, this server implements ${contract.version} (it serves callers of ${parseVersion(contract.version)?.[0]}.0 to ${contract.version}).`,
        { topic: contract.topic, callerVersion: env.version, serverVersion: contract.version },
      );
    }
    const spec = Object.prototype.hasOwnProperty.call(contract.methods, env.method) ? contract.methods[env.method] : undefined;
    const handler = spec && (handlers as Record<string, (ctx: RpcContext, a: unknown) => unknown>)[env.method];
    if (!spec || typeof handler !== 'function') {
      throw new RpcUnknownMethod(`${contract.topic} ${contract.version} has no method ${env.method}.`);
    }
    kind = spec.kind;
    const parsed = (spec.args as ZodTypeAny).safeParse(env.args);
    if (!parsed.success) throw new RpcInvalidArguments(`Invalid arguments for ${contract.topic}.${env.method}: ${firstIssue(parsed.error)}.`);
    const ctx = env.ctx;
    const result = await runWithContext({ ...ctx }, () => handler(ctx, parsed.data));
    if (spec.kind === 'cast') return { reply: { result: null }, method: env.method, kind };
    const checked = (spec.result as ZodTypeAny).safeParse(result);
    if (!checked.success) {
      log?.error({ method: env.method, topic: contract.topic, issue: firstIssue(checked.error) }, 'rpc handler returned an invalid result');
      throw new RpcInvalidResult(`${contract.topic}.${env.method} returned a result that does not match its contract.`);
    }
    return { reply: { result: checked.data }, method: env.method, kind };
  } catch (err) {
    const expected = err instanceof RpcBadMessage || err instanceof RpcUnknownMethod || err instanceof RpcInvalidArguments || err instanceof RpcVersionMismatch;
    if (expected) log?.warn({ err: (err as Error).message, method: env?.method, topic: contract.topic }, 'rpc message refused');
    else if (!(err instanceof RpcInvalidResult)) log?.error({ err, method: env?.method, topic: contract.topic }, 'rpc handler failed');
    return { reply: { error: toWireError(err) }, method: env?.method, kind };
  }
}

/** The caller's side of a reply: a typed error thrown, or the result checked against the method's schema. */
export function readReply(contract: Contract, method: string, body: string): unknown {
  const reply = JSON.parse(body) as Reply;
  if (reply.error) throw fromWireError(reply.error);
  const spec = contract.methods[method];
  if (!spec || spec.kind !== 'call') return undefined;
  const checked = (spec.result as ZodTypeAny).safeParse(reply.result);
  if (!checked.success) {
    throw new RpcInvalidResult(`${contract.topic}.${method} answered a result that does not match contract ${contract.version}: ${firstIssue(checked.error)}.`);
  }
  return checked.data;
}

/** The body of a notification, as both transports send it. */
export function makeEvent(ctx: RequestContext | undefined, eventType: string, payload: Record<string, unknown>): string {
  const c = ctx ?? currentContext() ?? { requestId: newRequestId() };
  return JSON.stringify({ event_type: eventType, payload, ctx: publicContext(c), timestamp: new Date().toISOString(), message_id: randomUUID() });
}

/** Runs a subscriber's handler on one notification body in the publisher's context; logs, never throws. */
export async function deliverEvent(body: string, handler: (type: string, payload: Record<string, unknown>) => Promise<void> | void, log?: Logger): Promise<void> {
  try {
    const e = JSON.parse(body) as { event_type: string; payload: Record<string, unknown>; ctx?: RequestContext };
    await runWithContext({ ...(e.ctx ?? {}), requestId: e.ctx?.requestId ?? newRequestId() }, () => handler(e.event_type, e.payload));
  } catch (err) {
    log?.error({ err }, 'event handler failed');
  }
}

/** The calls a client waits on, by correlation id: each ends with its reply, RpcTimeout or RpcInterrupted. */
export class PendingCalls {
  private readonly pending = new Map<string, { resolve: (body: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout; method: string }>();

  /** Resolves with the reply's body, or rejects with RpcTimeout after `timeoutMs`. */
  wait(id: string, topic: string, method: string, timeoutMs: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcTimeout(`No reply to ${topic}.${method} within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, method });
    });
  }

  /** A reply arrived (ignored when nobody waits for it any more). */
  settle(id: string | undefined, body: string): void {
    const p = id ? this.pending.get(id) : undefined;
    if (!p || !id) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(body);
  }

  /** Rejects the call with `err` (e.g. the message could not be sent). */
  fail(id: string, err: Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.reject(err);
  }

  /** Rejects every waiting call with RpcInterrupted. */
  interruptAll(why: string): void {
    for (const [id, p] of this.pending) this.fail(id, new RpcInterrupted(`${why} while waiting for ${p.method}.`));
  }
}
