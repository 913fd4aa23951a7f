// The agent's side of computeConductor: every state change of an instance and every step of an
// action goes back to the control plane here (the agent has no database). Steps run through
// `step()`, which reports start and finish (Success, or Error with the error's own message).
import { currentContext, newRequestId, type Logger, type RequestContext } from '@kumo/common/core';
import type { RpcClient } from '@kumo/messaging';
import { computeConductor } from '../rpc/conductor.contract';
import type { TaskState } from '../rpc/instance-spec';
import type { z } from 'zod';

type UpdateArgs = z.input<(typeof computeConductor)['methods']['instanceUpdate']['args']>;
export type InstanceChange = UpdateArgs['change'];
export type UpdateResult = z.output<NonNullable<(typeof computeConductor)['methods']['instanceUpdate']['result']>>;

/** An error's message for a fault or an event's details: libvirt's and qemu-img's own words. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class ConductorLink {
  constructor(
    readonly rpc: RpcClient<typeof computeConductor>,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The context to report under: the caller's, or a new request id for the agent's own work. */
  context(ctx?: RequestContext): RequestContext {
    return ctx ?? currentContext() ?? { requestId: newRequestId() };
  }

  async update(
    ctx: RequestContext | undefined,
    instanceId: string,
    change: InstanceChange,
    opts: { expect?: Array<TaskState | null>; notify?: { action: string; phase: 'start' | 'end' | 'error' } } = {},
  ): Promise<UpdateResult> {
    const r = await this.rpc.call(this.context(ctx), 'instanceUpdate', {
      instanceId,
      change,
      ...(opts.expect ? { expectTaskState: opts.expect } : {}),
      ...(opts.notify ? { notify: opts.notify } : {}),
    });
    if (!r.applied) this.log.info({ instanceId, change, expected: opts.expect, found: r.found }, 'instance update not applied');
    return r;
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
