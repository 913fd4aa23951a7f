import type { Logger, RequestContext } from '@kumo/common';
import type { RpcClient } from '@kumo/messaging';
import type { ComputeNodeEntity, ComputeServiceEntity } from '../db/entities/compute-node.entity';
import type { InstanceEntity } from '../db/entities/instance.entity';
import type { ComputeNodeRepository } from '../db/repositories/compute-node.repository';
import type { InstanceActionRepository } from '../db/repositories/instance-action.repository';
import type { InstanceRepository } from '../db/repositories/instance.repository';
import type { computeAgent, InstanceSpecInput } from '../rpc';
import type { ServerNotifier } from '../services/server-notifier';
import { noValidHostMessage, runFilters } from './filters';
import { architectureOf, HostState, PlacementRequest, PlacementSettings } from './host-state';
import type { SchedulerConfig } from './scheduler-config';
import { weigh } from './weighers';

export const SCHEDULE_EVENT = 'conductor_schedule_and_build_instances';

export function hostStateOf(node: ComputeNodeEntity, service: ComputeServiceEntity | null, now: Date, cfg: SchedulerConfig): HostState {
  const lastSeenUp = service?.lastSeenUp ?? null;
  const up = !!lastSeenUp && !service?.forcedDown && now.getTime() - lastSeenUp.getTime() <= cfg.service_down_time * 1000;
  return {
    host: node.host,
    node: node.hypervisorHostname,
    availabilityZone: node.availabilityZone ?? cfg.default_availability_zone,
    up,
    lastSeenUp,
    disabled: service?.disabled ?? false,
    disabledReason: service?.disabledReason ?? null,
    vcpus: node.vcpus,
    vcpusUsed: node.vcpusUsed,
    memoryMb: node.memoryMb,
    memoryMbUsed: node.memoryMbUsed,
    localGb: node.localGb,
    localGbUsed: node.localGbUsed,
    architecture: architectureOf(node.cpuInfo),
    hypervisorType: node.hypervisorType,
  };
}

export function placementSettings(cfg: SchedulerConfig): PlacementSettings {
  return { cpuAllocationRatio: cfg.cpu_allocation_ratio, ramAllocationRatio: cfg.ram_allocation_ratio, diskAllocationRatio: cfg.disk_allocation_ratio, reservedHostMemoryMb: cfg.reserved_host_memory_mb };
}

/** What an agent is told to build: everything, since it has no database (rpc/instance-spec.ts). */
export function instanceSpecOf(i: InstanceEntity, metadata: Record<string, string> = {}): InstanceSpecInput {
  const img = i.requestSpec.image;
  return {
    instanceId: i.uuid,
    name: i.name,
    hostname: i.hostname,
    projectId: i.projectId,
    userId: i.userId,
    reservationId: i.reservationId,
    launchIndex: i.launchIndex,
    availabilityZone: i.availabilityZone,
    flavor: { id: i.flavor.id, name: i.flavor.name, vcpus: i.vcpus, memoryMb: i.memoryMb, rootGb: i.rootGb, ephemeralGb: i.ephemeralGb, swapMb: i.swapMb, extraSpecs: i.requestSpec.flavorExtraSpecs },
    image: { ...img },
    keyPair: i.keyName && i.keyData ? { name: i.keyName, publicKey: i.keyData, type: i.requestSpec.keyType ?? 'ssh' } : null,
    userData: i.userData,
    metadata,
    configDrive: i.configDrive,
    networks: i.networks,
    blockDevices: [],
    createdAt: i.createdAt.toISOString(),
  };
}

export interface SchedulerDeps {
  instances: InstanceRepository;
  nodes: ComputeNodeRepository;
  actions: InstanceActionRepository;
  agent: RpcClient<typeof computeAgent>;
  notifier: ServerNotifier;
  config: SchedulerConfig;
  log: Logger;
  now?: () => Date;
  /** How long host states are reused between placements (default 1 s; 0: read them for every placement). */
  hostStateTtlMs?: number;
}

/**
 * The scheduler (Nova's conductor schedule_and_build_instances + filter scheduler): for each
 * instance still `scheduling`, filter and weigh the hosts, claim on the best one with a conditional
 * update (a lost race moves on to the next host, then to a new round with fresh host states),
 * set the instance's host by compare-and-set, and cast the build to that host. An instance that
 * cannot be placed goes to ERROR with a fault naming each filter and what it removed.
 */
export class Scheduler {
  private readonly now: () => Date;
  /**
   * Host states read at most `hostStateTtlMs` ago, with this process's own claims applied since (as
   * Nova's HostManager consumes from its host states): placing one instance does not read every host
   * again. Only the choice may be stale: the claim's conditional UPDATE decides, and a refused claim
   * drops the cache.
   */
  private cache?: { at: number; hosts: HostState[] };
  private readonly hostStateTtlMs: number;

  constructor(private readonly d: SchedulerDeps) {
    this.now = d.now ?? (() => new Date());
    this.hostStateTtlMs = d.hostStateTtlMs ?? 1000;
  }

  private async hostStates(fresh: boolean): Promise<{ hosts: HostState[]; cached: boolean }> {
    const now = this.now();
    if (!fresh && this.cache && now.getTime() - this.cache.at < this.hostStateTtlMs) return { hosts: this.cache.hosts, cached: true };
    const hosts = (await this.d.nodes.hosts()).map(({ node, service }) => hostStateOf(node, service, now, this.d.config));
    this.cache = { at: now.getTime(), hosts };
    return { hosts, cached: false };
  }

  async scheduleInstances(ctx: RequestContext, instanceIds: string[]): Promise<void> {
    for (const id of instanceIds) {
      try {
        await this.scheduleOne(ctx, id);
      } catch (err) {
        this.d.log.error({ err: (err as Error).message, instanceId: id }, 'scheduling failed');
        await this.fail(ctx, id, `Scheduling failed: ${(err as Error).message}`, 500);
      }
    }
  }

  private async scheduleOne(ctx: RequestContext, id: string): Promise<void> {
    const inst = await this.d.instances.find(id);
    // a redelivered request, or a server deleted meanwhile: nothing to do
    if (!inst || inst.vmState !== 'building' || inst.taskState !== 'scheduling' || inst.host !== null) return;
    await this.event(ctx, id, 'start');
    const settings = placementSettings(this.d.config);
    const req: PlacementRequest = {
      instanceId: id,
      vcpus: inst.vcpus,
      memoryMb: inst.memoryMb,
      diskGb: inst.rootGb + inst.ephemeralGb,
      availabilityZone: inst.availabilityZone,
      imageProperties: inst.requestSpec.image.properties,
    };
    let lost = 0;
    for (let attempt = 1; attempt <= this.d.config.max_attempts; attempt++) {
      let { hosts, cached } = await this.hostStates(attempt > 1);
      let result = runFilters(hosts, req, settings);
      // never refuse on remembered states: a host may have reported or freed room since
      if (!result.passed.length && cached) {
        ({ hosts, cached } = await this.hostStates(true));
        result = runFilters(hosts, req, settings);
      }
      if (!result.passed.length) {
        const message = noValidHostMessage(result);
        this.d.log.info({ instanceId: id, hosts: hosts.length, removals: result.removals }, message);
        await this.fail(ctx, id, message, 500, 'NoValidHost');
        return;
      }
      for (const h of weigh(result.passed, settings, this.d.config.weigher)) {
        const amount = { vcpus: req.vcpus, memoryMb: req.memoryMb, diskGb: req.diskGb };
        const aliveSince = new Date(this.now().getTime() - this.d.config.service_down_time * 1000);
        if (!(await this.d.nodes.claim(h.host, amount, { cpu: settings.cpuAllocationRatio, ram: settings.ramAllocationRatio, disk: settings.diskAllocationRatio }, settings.reservedHostMemoryMb, aliveSince))) {
          lost++;
          this.cache = undefined;
          continue;
        }
        h.vcpusUsed += amount.vcpus;
        h.memoryMbUsed += amount.memoryMb;
        h.localGbUsed += amount.diskGb;
        const placed = await this.d.instances.transition(id, ['scheduling'], { host: h.host, node: h.node, claimed: true, availabilityZone: h.availabilityZone });
        if (!placed) {
          // deleted (or reset) while we placed it: give the claim back
          await this.d.nodes.unclaim(h.host, amount);
          this.cache = undefined;
          return;
        }
        this.d.log.info({ instanceId: id, host: h.host, attempt }, 'instance placed');
        const fresh = (await this.d.instances.find(id)) ?? inst;
        const metadata = (await this.d.instances.metadataOf([fresh.id])).get(fresh.id) ?? {};
        try {
          await this.d.agent.cast(ctx, 'buildAndRunInstance', { instance: instanceSpecOf(fresh, metadata), buildTimeoutSeconds: this.d.config.build_timeout }, { server: h.host });
        } catch (err) {
          await this.d.instances.releaseClaim(id);
          await this.fail(ctx, id, `Build request could not be sent to ${h.host}: ${(err as Error).message}`, 500);
          return;
        }
        await this.event(ctx, id, 'finish', 'Success');
        return;
      }
    }
    await this.fail(ctx, id, `No valid host: every claim was lost to concurrent boots (${lost} claims refused in ${this.d.config.max_attempts} rounds)`, 500, 'NoValidHost');
  }

  /** ERROR with a fault, the claim released, the event and the notification: once (compare-and-set from scheduling). */
  private async fail(ctx: RequestContext, id: string, message: string, code: number, kind = 'SchedulingFailed'): Promise<void> {
    const applied = await this.d.instances.transition(id, ['scheduling'], { vmState: 'error', taskState: null });
    if (!applied) return;
    await this.d.instances.addFault(id, { code, message, details: `${kind}: ${message}`, host: null });
    await this.d.instances.releaseClaim(id);
    await this.event(ctx, id, 'finish', 'Error', message);
    await this.d.actions.finish(id, ctx.requestId, 'Error', this.now());
    const inst = await this.d.instances.find(id);
    if (inst) await this.d.notifier.notify(ctx, inst, 'create', 'error');
  }

  private async event(ctx: RequestContext, id: string, phase: 'start' | 'finish', result?: 'Success' | 'Error', details?: string): Promise<void> {
    await this.d.actions.event({ instanceUuid: id, requestId: ctx.requestId, event: SCHEDULE_EVENT, phase, result, details, at: this.now(), host: null });
  }
}
