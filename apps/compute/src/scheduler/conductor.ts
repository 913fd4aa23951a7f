import type { Logger } from '@kumo/common';
import type { Handlers, RpcContext } from '@kumo/messaging';
import type { InstanceEntity } from '../db/entities/instance.entity';
import type { ComputeNodeRepository } from '../db/repositories/compute-node.repository';
import type { ActionEventRecord, InstanceActionRepository } from '../db/repositories/instance-action.repository';
import type { InstanceRepository } from '../db/repositories/instance.repository';
import type { computeConductor } from '../rpc';
import type { ServerNotifier } from '../services/server-notifier';
import { Batcher } from './batcher';

export interface ConductorDeps {
  instances: InstanceRepository;
  nodes: ComputeNodeRepository;
  actions: InstanceActionRepository;
  notifier: ServerNotifier;
  log: Logger;
  now?: () => Date;
}

type InstanceUpdateArgs = Parameters<Handlers<typeof computeConductor>['instanceUpdate']>[1];
/** An event, with the host of the agent that sent it (HostGuard has checked that the instance is on it). */
type ActionEventArgs = Parameters<Handlers<typeof computeConductor>['actionEvent']>[1] & { callerHost?: string };

/**
 * What agents tell the control plane (they hold no database credentials): host reports, instance
 * state changes (compare-and-set on task_state), action events. Served in the scheduler process.
 */
export class Conductor {
  private readonly now: () => Date;
  /**
   * Action events (~14 per build: every step's start and finish) written in batches: what arrives
   * while one batch is written goes into the next, in a few statements whatever its size.
   */
  private readonly events = new Batcher<ActionEventArgs>((list) => this.writeEvents(list));

  /**
   * Each host's reports applied one after the other, in the order they arrived: the conductor's
   * queue hands out many messages at once (prefetch), and two reports of one host written
   * concurrently could end with the older one's figures (seen: running_vms 1 after reports 0, 1, 2).
   */
  private readonly reports = new Map<string, Promise<void>>();

  constructor(private readonly d: ConductorDeps) {
    this.now = d.now ?? (() => new Date());
  }

  handlers(): Handlers<typeof computeConductor> {
    return {
      reportHost: (_ctx, report) => this.inOrder(report.host, () => this.d.nodes.applyReport(report, this.now())),
      instanceUpdate: (ctx, args) => this.instanceUpdate(ctx, args),
      instanceState: async (_ctx, { instanceId }) => {
        const inst = await this.d.instances.instances.findOne({ where: { uuid: instanceId }, select: { id: true, vmState: true, taskState: true, deleted: true } });
        return { found: inst ? { vmState: inst.vmState, taskState: inst.taskState, deleted: inst.deleted } : null };
      },
      actionEvent: (ctx, e) => this.events.submit({ ...e, callerHost: ctx.callerHost }),
    };
  }

  /** Runs `work` after the host's earlier reports (whatever their outcome); the chain is dropped once idle. */
  private inOrder(host: string, work: () => Promise<void>): Promise<void> {
    const run = (this.reports.get(host) ?? Promise.resolve()).catch(() => undefined).then(work);
    this.reports.set(host, run);
    const forget = () => {
      if (this.reports.get(host) === run) this.reports.delete(host);
    };
    run.then(forget, forget);
    return run;
  }

  /** A batch of action events, each with its instance's host; one event at a time if the batch fails (the others still land). */
  private async writeEvents(list: ActionEventArgs[]): Promise<void> {
    const records = async (batch: ActionEventArgs[]): Promise<ActionEventRecord[]> => {
      // the agent's own host (HostGuard has checked that the instance is on it), else the instance's
      const unknown = [...new Set(batch.filter((e) => !e.callerHost).map((e) => e.instanceId))];
      const hosts = await this.d.instances.hostsOf(unknown);
      return batch.map((e) => ({ instanceUuid: e.instanceId, requestId: e.requestId, event: e.event, phase: e.phase, result: e.result, details: e.details, at: new Date(e.at), host: e.callerHost ?? hosts.get(e.instanceId) ?? null }));
    };
    try {
      await this.d.actions.events(await records(list));
    } catch (err) {
      if (list.length === 1) throw err;
      this.d.log.warn({ err: (err as Error).message, events: list.length }, 'action events not written as a batch: one by one');
      for (const e of list) {
        await this.d.actions.events(await records([e])).catch((one: Error) => this.d.log.error({ err: one.message, instanceId: e.instanceId, event: e.event }, 'action event not recorded'));
      }
    }
  }

  async instanceUpdate(ctx: RpcContext, a: InstanceUpdateArgs): Promise<{ applied: boolean; found: { vmState: InstanceEntity['vmState']; taskState: InstanceEntity['taskState']; deleted: boolean } | null }> {
    // the row and its metadata (for the notification) in one read
    const read = await this.d.instances.findAnyWithMetadata(a.instanceId);
    if (!read) return { applied: false, found: null };
    const before = read.instance;
    const found = () => ({ vmState: before.vmState, taskState: before.taskState, deleted: before.deleted });
    if (before.deleted) return { applied: false, found: found() };
    const c = a.change;
    if (c.vmState === 'deleted') {
      // the agent has destroyed the guest: the row goes, with its quota and claim
      if (a.expectTaskState && !a.expectTaskState.includes(before.taskState)) return { applied: false, found: found() };
      const gone = await this.d.instances.destroy(a.instanceId);
      if (!gone) return { applied: false, found: { ...found(), deleted: true } };
      await this.d.actions.finishDeletes(a.instanceId, this.now());
      await this.notify(ctx, a.instanceId, a.notify ?? { action: 'delete', phase: 'end' }, true);
      return { applied: true, found: { vmState: 'deleted', taskState: null, deleted: true } };
    }
    const patch: Partial<InstanceEntity> = {};
    if (c.vmState !== undefined) patch.vmState = c.vmState;
    if (c.taskState !== undefined) patch.taskState = c.taskState;
    if (c.powerState !== undefined) patch.powerState = c.powerState;
    if (c.host !== undefined) patch.host = c.host;
    if (c.progress !== undefined) patch.progress = c.progress;
    if (c.launchedAt !== undefined) patch.launchedAt = c.launchedAt === null ? null : new Date(c.launchedAt);
    else if (c.vmState === 'active' && before.launchedAt === null) patch.launchedAt = this.now();
    if (c.vmState === 'active' && before.vmState === 'building') patch.progress = 100;
    // updated_at set here (not by the database), so the notification's view is the row as written
    patch.updatedAt = this.now();
    const applied = await this.d.instances.transition(a.instanceId, a.expectTaskState, patch);
    if (!applied) {
      const now = await this.d.instances.findAny(a.instanceId);
      return { applied: false, found: now ? { vmState: now.vmState, taskState: now.taskState, deleted: now.deleted } : null };
    }
    if (c.fault) await this.d.instances.addFault(a.instanceId, { code: c.fault.code, message: c.fault.message, details: c.fault.details, host: before.host });
    // a build that failed gives its resources back (the guest is gone); other errors keep the guest and its claim
    if (c.vmState === 'error' && before.vmState === 'building') await this.d.instances.releaseClaim(a.instanceId);
    if (a.notify && a.notify.phase !== 'start') await this.d.actions.finish(a.instanceId, ctx.requestId, a.notify.phase === 'error' ? 'Error' : null, this.now());
    if (a.notify) await this.d.notifier.notify(ctx, { ...before, ...patch } as InstanceEntity, a.notify.action, a.notify.phase, read.metadata);
    // the row is what it was with the patch applied (the compare-and-set held it): no second read
    return { applied: true, found: { vmState: patch.vmState ?? before.vmState, taskState: patch.taskState !== undefined ? patch.taskState : before.taskState, deleted: false } };
  }

  private async notify(ctx: RpcContext, uuid: string, n: { action: string; phase: 'start' | 'end' | 'error' }, deleted: boolean): Promise<void> {
    const inst = deleted ? await this.d.instances.findAny(uuid) : await this.d.instances.find(uuid);
    if (inst) await this.d.notifier.notify(ctx, inst, n.action, n.phase);
  }
}
