// The agent's side of computeConductor: every state change of an instance and every step of an
// action goes back to the control plane here (the agent has no database). Steps run through
// `step()`, which reports start and finish (Success, or Error with the error's own message).
import { currentContext, newRequestId, type Logger, type RequestContext } from '@kumo/common/core';
import { RpcInterrupted, RpcTimeout, type RpcClient } from '@kumo/messaging';
import { computeConductor } from '../rpc/conductor.contract';
import type { TaskState } from '../rpc/instance-spec';
import type { z } from 'zod';

type UpdateArgs = z.input<(typeof computeConductor)['methods']['instanceUpdate']['args']>;
export type InstanceChange = UpdateArgs['change'];
export type UpdateResult = z.output<NonNullable<(typeof computeConductor)['methods']['instanceUpdate']['result']>>;

/** An error's message for a fault or an event's details: libvirt's and qemu-img's own words. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Whether the conductor's state already is what `change` asks (a retried update whose first try applied). */
function reached(found: NonNullable<UpdateResult['found']>, change: InstanceChange): boolean {
  if (change.vmState === 'deleted') return found.deleted;
  if (found.deleted) return false;
  return (change.vmState === undefined || found.vmState === change.vmState) && (change.taskState === undefined || found.taskState === change.taskState);
}

export interface ConductorLinkOptions {
  /** attempts of an instanceUpdate lost to a message bus outage (RpcInterrupted) or left unanswered (RpcTimeout) */
  updateAttempts?: number;
  retryDelayMs?: number;
}

export class ConductorLink {
  private readonly attempts: number;
  private readonly retryDelayMs: number;

  constructor(
    readonly rpc: RpcClient<typeof computeConductor>,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
    opts: ConductorLinkOptions = {},
  ) {
    this.attempts = opts.updateAttempts ?? 5;
    this.retryDelayMs = opts.retryDelayMs ?? 1000;
  }

  /** The context to report under: the caller's, or a new request id for the agent's own work. */
  context(ctx?: RequestContext): RequestContext {
    return ctx ?? currentContext() ?? { requestId: newRequestId() };
  }

  /**
   * Changes the instance (compare-and-set on `expect`). A call lost to a message bus outage or
   * unanswered is sent again (the bus client waits for the broker to come back): a state change is
   * never dropped by a RabbitMQ restart. When a retry finds the state already reached, the first
   * try applied and its answer was lost: that counts as applied.
   */
  async update(
    ctx: RequestContext | undefined,
    instanceId: string,
    change: InstanceChange,
    opts: { expect?: Array<TaskState | null>; notify?: { action: string; phase: 'start' | 'end' | 'error' } } = {},
  ): Promise<UpdateResult> {
    const c = this.context(ctx);
    const args = { instanceId, change, ...(opts.expect ? { expectTaskState: opts.expect } : {}), ...(opts.notify ? { notify: opts.notify } : {}) };
    for (let attempt = 1; ; attempt++) {
      let r: UpdateResult;
      try {
        r = await this.rpc.call(c, 'instanceUpdate', args);
      } catch (err) {
        if (!(err instanceof RpcInterrupted || err instanceof RpcTimeout) || attempt >= this.attempts) throw err;
        this.log.warn({ instanceId, requestId: c.requestId, attempt, err: messageOf(err) }, 'instance update not answered (message bus?): sending it again');
        await new Promise((res) => setTimeout(res, this.retryDelayMs * attempt));
        continue;
      }
      if (!r.applied && attempt > 1 && r.found && reached(r.found, change)) {
        this.log.info({ instanceId, change, found: r.found }, 'instance update had applied before its answer was lost');
        return { applied: true, found: r.found };
      }
      if (!r.applied) this.log.info({ instanceId, change, expected: opts.expect, found: r.found }, 'instance update not applied');
      return r;
    }
  }

  /** The instance's state as the control plane has it (null: unknown), without changing it. */
  async state(ctx: RequestContext | undefined, instanceId: string): Promise<UpdateResult['found']> {
    return (await this.rpc.call(this.context(ctx), 'instanceState', { instanceId })).found;
  }

  async event(ctx: RequestContext | undefined, instanceId: string, event: string, phase: 'start' | 'finish', result?: 'Success' | 'Error', details?: string): Promise<void> {
    const c = this.context(ctx);
    try {
      await this.rpc.cast(c, 'actionEvent', {
        instanceId,
        requestId: c.requestId,
        event,
        phase,
        ...(result ? { result } : {}),
        ...(details ? { details: details.slice(0, 65535) } : {}),
        at: this.now().toISOString(),
      });
    } catch (err) {
      // an event lost to a bus outage must not fail the action itself
      this.log.warn({ instanceId, event, phase, err: messageOf(err) }, 'instance action event not sent');
    }
  }

  /** Runs `fn` as the event `event`: start, then finish with Success or Error (the error's message). */
  async step<T>(ctx: RequestContext | undefined, instanceId: string, event: string, fn: () => Promise<T>): Promise<T> {
    await this.event(ctx, instanceId, event, 'start');
    const started = Date.now();
    try {
      const value = await fn();
      this.log.info({ instanceId, event, ms: Date.now() - started }, 'step done');
      await this.event(ctx, instanceId, event, 'finish', 'Success');
      return value;
    } catch (err) {
      this.log.warn({ instanceId, event, ms: Date.now() - started, err: messageOf(err) }, 'step failed');
      await this.event(ctx, instanceId, event, 'finish', 'Error', messageOf(err));
      throw err;
    }
  }
}
