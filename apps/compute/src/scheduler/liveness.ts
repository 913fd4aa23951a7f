import type { Logger, RequestContext } from '@kumo/common/core';
import { newRequestId } from '@kumo/common/core';
import type { ComputeNodeRepository } from '../db/repositories/compute-node.repository';
import type { InstanceActionRepository } from '../db/repositories/instance-action.repository';
import type { InstanceRepository } from '../db/repositories/instance.repository';
import type { ServerNotifier } from '../services/server-notifier';
import type { SchedulerConfig } from './scheduler-config';

const hhmmss = (d: Date | null) => (d ? d.toISOString().slice(11, 19) : 'never');

/**
 * Never stuck in BUILD: builds on a host that stopped reporting (last report older than
 * service_down_time) and builds that did not progress for build_timeout go to ERROR with a fault
 * naming the step they were in, their claims released. Run periodically by the scheduler process.
 */
export class BuildLiveness {
  private readonly now: () => Date;

  constructor(
    private readonly d: { instances: InstanceRepository; nodes: ComputeNodeRepository; actions: InstanceActionRepository; notifier: ServerNotifier; config: SchedulerConfig; log: Logger; now?: () => Date },
  ) {
    this.now = d.now ?? (() => new Date());
  }

  /** One sweep; the instances it moved to ERROR. */
  async sweep(): Promise<string[]> {
    const now = this.now();
    const cfg = this.d.config;
    const services = await this.d.nodes.listServices({ binary: 'nova-compute' });
    const dead = new Map(services.filter((s) => s.forcedDown || !s.lastSeenUp || now.getTime() - s.lastSeenUp.getTime() > cfg.service_down_time * 1000).map((s) => [s.host, s]));
    const stalled = await this.d.instances.stalledBuilds(new Date(now.getTime() - cfg.build_timeout * 1000), [...dead.keys()]);
    const moved: string[] = [];
    for (const inst of stalled) {
      const step = inst.taskState ?? 'building';
      const deadHost = inst.host ? dead.get(inst.host) : undefined;
      const message = deadHost
        ? `Build failed: compute host ${inst.host} stopped reporting (last report ${hhmmss(deadHost.lastSeenUp)}) while the instance was in step ${step}`
        : inst.host === null
          ? `Build timed out after ${cfg.build_timeout} s in step ${step}: no scheduler placed it`
          : `Build timed out after ${cfg.build_timeout} s in step ${step} on ${inst.host}: no progress since ${hhmmss(inst.updatedAt)}`;
      const applied = await this.d.instances.transition(inst.uuid, [inst.taskState], { vmState: 'error', taskState: null });
      if (!applied) continue;
      await this.d.instances.addFault(inst.uuid, { code: 500, message, details: message, host: inst.host });
      await this.d.instances.releaseClaim(inst.uuid);
      const ctx: RequestContext = { requestId: newRequestId() };
      await this.d.actions.event({ instanceUuid: inst.uuid, requestId: ctx.requestId, event: 'conductor_build_liveness', phase: 'finish', result: 'Error', details: message, at: now, host: inst.host });
      this.d.log.warn({ instanceId: inst.uuid, host: inst.host, step }, message);
      const fresh = await this.d.instances.find(inst.uuid);
      if (fresh) await this.d.notifier.notify(ctx, fresh, 'create', 'error');
      moved.push(inst.uuid);
    }
    return moved;
  }
}
