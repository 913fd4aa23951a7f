import type { Logger, RequestContext } from '@kumo/common';
import type { RpcClient } from '@kumo/messaging';
import type { ComputeNodeEntity, ComputeServiceEntity } from '../db/entities/compute-node.entity';
import type { InstanceEntity } from '../db/entities/instance.entity';
import type { ClaimedNode, ComputeNodeRepository, PlacementClaim } from '../db/repositories/compute-node.repository';
import type { InstanceActionRepository } from '../db/repositories/instance-action.repository';
import type { InstanceRepository } from '../db/repositories/instance.repository';
import type { computeAgent, InstanceSpecInput } from '../rpc';
import type { ServerNotifier } from '../services/server-notifier';
import { Batcher } from './batcher';
import { noValidHostMessage, runFilters } from './filters';
import { architectureOf, HostState, PlacementRequest, PlacementSettings } from './host-state';
import type { SchedulerConfig } from './scheduler-config';
import { bestHost } from './weighers';

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

/**
 * What an agent is told to build: everything, since it has no database (rpc/instance-spec.ts); the
 * admin password is the create request's, passed through and never stored.
 */
export function instanceSpecOf(i: InstanceEntity, metadata: Record<string, string> = {}, adminPass: string | null = null): InstanceSpecInput {
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
    adminPass,
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
  /** How long host states are reused between placements (default 1 s; 0: read them for every batch). */
  hostStateTtlMs?: number;
  /** At most this many instances placed in one batch (default 200). */
  maxBatch?: number;
}

/** One instance waiting in a batch. */
interface Waiting {
  ctx: RequestContext;
  inst: InstanceEntity;
  req: PlacementRequest;
  /** claims refused so far (another scheduler took the room first) */
  lost: number;
  /** the server's metadata (for the build's spec) */
  metadata: Record<string, string>;
  /** the create request's admin password, for the build (never stored) */
  adminPass?: string;
}

/**
 * The scheduler (Nova's conductor schedule_and_build_instances + filter scheduler), in batches: the
 * requests that arrive while one batch is placed are placed together. For each instance still
 * `scheduling`: filter and weigh the hosts on the host states kept in memory (each choice consumes
 * from them, as Nova's HostManager does), then claim every choice of the batch in one transaction
 * (ComputeNodeRepository.claimForInstances: the rows locked are the compare-and-set guard, so
 * concurrent schedulers never oversubscribe a host); a refused claim places that instance again
 * with the host's state as the transaction found it. Then the builds are cast to the hosts and the
 * placements recorded. An instance that cannot be placed goes to ERROR with a fault naming each
 * filter and what it removed.
 */
export class Scheduler {
  private readonly now: () => Date;
  /**
   * Host states read at most `hostStateTtlMs` ago, with this process's own claims applied since (as
   * Nova's HostManager consumes from its host states) and the nodes' rows as each claim transaction
   * locked them: placing an instance does not read every host again. Only the choice may be stale:
   * the claim transaction decides.
   */
  private cache?: { at: number; hosts: HostState[]; byHost: Map<string, HostState> };
  private readonly hostStateTtlMs: number;
  private readonly batches: Batcher<{ ctx: RequestContext; id: string; adminPass?: string }>;

  constructor(private readonly d: SchedulerDeps) {
    this.now = d.now ?? (() => new Date());
    this.hostStateTtlMs = d.hostStateTtlMs ?? 1000;
    this.batches = new Batcher((list) => this.placeBatch(list), d.maxBatch ?? 200);
  }

  private async hostStates(fresh: boolean): Promise<{ hosts: HostState[]; cached: boolean }> {
    const now = this.now();
    if (!fresh && this.cache && now.getTime() - this.cache.at < this.hostStateTtlMs) return { hosts: this.cache.hosts, cached: true };
    const hosts = (await this.d.nodes.hosts()).map(({ node, service }) => hostStateOf(node, service, now, this.d.config));
    this.cache = { at: now.getTime(), hosts, byHost: new Map(hosts.map((h) => [h.host, h])) };
    return { hosts, cached: false };
  }

  /** Places the instances (joining the batch being formed); resolves once each is placed, or in ERROR saying why. */
  async scheduleInstances(ctx: RequestContext, instanceIds: string[], adminPass?: string): Promise<void> {
    await Promise.all(
      instanceIds.map((id) =>
        this.batches.submit({ ctx, id, adminPass }).catch(async (err: Error) => {
          this.d.log.error({ err: err.message, instanceId: id }, 'scheduling failed');
          await this.fail(ctx, id, `Scheduling failed: ${err.message}`, 500, this.now());
        }),
      ),
    );
  }

  private async placeBatch(list: Array<{ ctx: RequestContext; id: string; adminPass?: string }>): Promise<void> {
    const startedAt = this.now();
    const ctxOf = new Map(list.map((x) => [x.id, x.ctx]));
    const passOf = new Map(list.map((x) => [x.id, x.adminPass]));
    const settings = placementSettings(this.d.config);
    // a redelivered request, or a server deleted meanwhile: nothing to do
    let waiting: Waiting[] = (await this.d.instances.findManyWithMetadata([...ctxOf.keys()]))
      .filter(({ instance: i }) => i.vmState === 'building' && i.taskState === 'scheduling' && i.host === null)
      .map(({ instance: inst, metadata }) => ({
        metadata,
        ctx: ctxOf.get(inst.uuid)!,
        inst,
        lost: 0,
        adminPass: passOf.get(inst.uuid),
        req: { instanceId: inst.uuid, vcpus: inst.vcpus, memoryMb: inst.memoryMb, diskGb: inst.rootGb + inst.ephemeralGb, availabilityZone: inst.availabilityZone, imageProperties: inst.requestSpec.image.properties },
      }));
    let fresh = false;
    while (waiting.length) {
      const { hosts, cached } = await this.hostStates(fresh);
      fresh = false;
      const plan: Array<{ w: Waiting; h: HostState }> = [];
      const later: Waiting[] = [];
      for (const w of waiting) {
        const result = runFilters(hosts, w.req, settings);
        if (!result.passed.length) {
          // never refuse on remembered states: a host may have reported or freed room since
          if (cached) {
            later.push(w);
            fresh = true;
            continue;
          }
          const message = noValidHostMessage(result);
          this.d.log.info({ instanceId: w.req.instanceId, hosts: hosts.length, removals: result.removals }, message);
          await this.fail(w.ctx, w.req.instanceId, message, 500, startedAt, 'NoValidHost');
          continue;
        }
        const h = bestHost(result.passed, settings, this.d.config.weigher);
        consume(h, w.req, 1);
        plan.push({ w, h });
      }
      const aliveSince = new Date(this.now().getTime() - this.d.config.service_down_time * 1000);
      const claims: PlacementClaim[] = plan.map(({ w, h }) => ({ instanceUuid: w.req.instanceId, host: h.host, node: h.node, availabilityZone: h.availabilityZone, amount: { vcpus: w.req.vcpus, memoryMb: w.req.memoryMb, diskGb: w.req.diskGb } }));
      const out = await this.d.nodes.claimForInstances(claims, { cpu: settings.cpuAllocationRatio, ram: settings.ramAllocationRatio, disk: settings.diskAllocationRatio }, settings.reservedHostMemoryMb, aliveSince, this.now());
      const byId = new Map(plan.map((p) => [p.w.req.instanceId, p]));
      // what the planning consumed for instances gone meanwhile goes back; refused hosts are as the claim found them
      for (const g of out.gone) {
        const p = byId.get(g.instanceUuid)!;
        consume(p.h, p.w.req, -1);
      }
      for (const n of out.nodes.values()) this.refresh(n);
      await this.build(
        out.placed.map((c) => {
          const p = byId.get(c.instanceUuid)!;
          Object.assign(p.w.inst, { host: c.host, node: c.node, availabilityZone: c.availabilityZone, claimed: true });
          return p.w;
        }),
        startedAt,
      );
      for (const c of out.lost) {
        const p = byId.get(c.instanceUuid)!;
        p.w.lost++;
        // as many refusals as Nova's rounds of every host would have allowed
        if (p.w.lost >= this.d.config.max_attempts * Math.max(hosts.length, 1)) {
          await this.fail(p.w.ctx, c.instanceUuid, `No valid host: every claim was lost to concurrent boots (${p.w.lost} claims refused in ${this.d.config.max_attempts} rounds)`, 500, startedAt, 'NoValidHost');
        } else later.push(p.w);
      }
      waiting = later;
    }
  }

  /** A node's state as a claim transaction locked it (and what that transaction claimed), into the cached host states. */
  private refresh(n: ClaimedNode): void {
    const h = this.cache?.byHost.get(n.host);
    if (!h) return;
    Object.assign(h, { vcpus: n.vcpus, vcpusUsed: n.vcpusUsed, memoryMb: n.memoryMb, memoryMbUsed: n.memoryMbUsed, localGb: n.localGb, localGbUsed: n.localGbUsed });
    if (!n.available) h.up = false;
  }

  /** The placed instances' builds cast to their hosts, and the placements recorded (one statement for the batch). */
  private async build(placed: Waiting[], startedAt: Date): Promise<void> {
    if (!placed.length) return;
    const sent = await Promise.all(
      placed.map(async (w) => {
        const host = w.inst.host!;
        this.d.log.info({ instanceId: w.inst.uuid, host, lost: w.lost }, 'instance placed');
        try {
          await this.d.agent.cast(w.ctx, 'buildAndRunInstance', { instance: instanceSpecOf(w.inst, w.metadata, w.adminPass ?? null), buildTimeoutSeconds: this.d.config.build_timeout }, { server: host });
          return true;
        } catch (err) {
          await this.d.instances.releaseClaim(w.inst.uuid);
          await this.fail(w.ctx, w.inst.uuid, `Build request could not be sent to ${host}: ${(err as Error).message}`, 500, startedAt);
          return false;
        }
      }),
    );
    const at = this.now();
    const ok = placed.filter((_, i) => sent[i]);
    try {
      await this.d.actions.events(
        ok.flatMap((w) => [
          { instanceUuid: w.inst.uuid, requestId: w.ctx.requestId, event: SCHEDULE_EVENT, phase: 'start' as const, at: startedAt, host: null },
          { instanceUuid: w.inst.uuid, requestId: w.ctx.requestId, event: SCHEDULE_EVENT, phase: 'finish' as const, result: 'Success', at, host: null },
        ]),
      );
    } catch (err) {
      // the builds are on their way: a placement's event lost is no reason to fail them
      this.d.log.error({ err: (err as Error).message, instances: ok.map((w) => w.inst.uuid) }, 'placement events not recorded');
    }
  }

  /** ERROR with a fault, the claim released, the event and the notification: once (compare-and-set from scheduling). */
  private async fail(ctx: RequestContext, id: string, message: string, code: number, startedAt: Date, kind = 'SchedulingFailed'): Promise<void> {
    try {
      await this.failOnce(ctx, id, message, code, startedAt, kind);
    } catch (err) {
      // the others of the batch go on; the liveness sweep ends a build that is left behind
      this.d.log.error({ err: (err as Error).message, instanceId: id, fault: message }, 'instance could not be put in ERROR');
    }
  }

  private async failOnce(ctx: RequestContext, id: string, message: string, code: number, startedAt: Date, kind: string): Promise<void> {
    const applied = await this.d.instances.transition(id, ['scheduling'], { vmState: 'error', taskState: null });
    if (!applied) return;
    await this.d.instances.addFault(id, { code, message, details: `${kind}: ${message}`, host: null });
    await this.d.instances.releaseClaim(id);
    const at = this.now();
    await this.d.actions.events([
      { instanceUuid: id, requestId: ctx.requestId, event: SCHEDULE_EVENT, phase: 'start', at: startedAt, host: null },
      { instanceUuid: id, requestId: ctx.requestId, event: SCHEDULE_EVENT, phase: 'finish', result: 'Error', details: message, at, host: null },
    ]);
    await this.d.actions.finish(id, ctx.requestId, 'Error', at);
    const inst = await this.d.instances.find(id);
    if (inst) await this.d.notifier.notify(ctx, inst, 'create', 'error');
  }
}

/** Consumes (sign 1) or gives back (-1) what the request takes from a cached host state. */
function consume(h: HostState, req: PlacementRequest, sign: 1 | -1): void {
  h.vcpusUsed += sign * req.vcpus;
  h.memoryMbUsed += sign * req.memoryMb;
  h.localGbUsed += sign * req.diskGb;
}
