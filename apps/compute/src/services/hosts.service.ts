import { Inject, Injectable } from '@nestjs/common';
import { BadRequest, NotFound } from '@kumo/common';
import type { AuthContext } from '@kumo/auth';
import { COMPUTE_CONFIG, ComputeConfig } from '../config';
import type { ComputeNodeEntity, ComputeServiceEntity } from '../db/entities/compute-node.entity';
import type { InstanceEntity } from '../db/entities/instance.entity';
import { ComputeNodeRepository } from '../db/repositories/compute-node.repository';
import { InstanceRepository } from '../db/repositories/instance.repository';
import { ComputePolicy } from './compute-policy';

/** A service row with what the API shows of it. */
export interface ServiceState {
  service: ComputeServiceEntity;
  up: boolean;
  zone: string;
}

/** A hypervisor with its service. */
export interface HypervisorState {
  node: ComputeNodeEntity;
  service: ServiceState | null;
}

export interface TenantUsage {
  projectId: string;
  start: Date;
  stop: Date;
  servers: Array<{ instance: InstanceEntity; hours: number; startedAt: Date; endedAt: Date | null }>;
}

/** os-hypervisors, os-services, os-availability-zone and os-simple-tenant-usage: the hosts as admins see them. */
@Injectable()
export class HostsService {
  constructor(
    private readonly nodes: ComputeNodeRepository,
    private readonly instances: InstanceRepository,
    private readonly policy: ComputePolicy,
    @Inject(COMPUTE_CONFIG) private readonly config: ComputeConfig,
  ) {}

  private up(s: ComputeServiceEntity, now = Date.now()): boolean {
    return !!s.lastSeenUp && !s.forcedDown && now - s.lastSeenUp.getTime() <= this.config.compute.scheduler.service_down_time * 1000;
  }

  private async zones(): Promise<Map<string, string>> {
    return new Map((await this.nodes.nodes.find()).map((n) => [n.host, n.availabilityZone ?? this.config.compute.scheduler.default_availability_zone]));
  }

  async services(auth: AuthContext, filter: { host?: string; binary?: string }): Promise<ServiceState[]> {
    this.policy.enforce('os_compute_api:os-services:list', auth);
    const zones = await this.zones();
    return (await this.nodes.listServices(filter)).map((service) => ({ service, up: this.up(service), zone: service.binary === 'nova-compute' ? (zones.get(service.host) ?? this.config.compute.scheduler.default_availability_zone) : 'internal' }));
  }

  async setServiceStatus(auth: AuthContext, host: string, binary: string, disabled: boolean, reason: string | null): Promise<ComputeServiceEntity> {
    this.policy.enforce('os_compute_api:os-services:update', auth);
    const s = await this.nodes.setDisabled(host, binary, disabled, reason);
    if (!s) throw new NotFound(`Host '${host}' is not mapped to any cell`);
    return s;
  }

  async hypervisors(auth: AuthContext, action: 'list' | 'list-detail' | 'show' | 'statistics'): Promise<HypervisorState[]> {
    this.policy.enforce(`os_compute_api:os-hypervisors:${action}`, auth);
    const zones = await this.zones();
    return (await this.nodes.hosts()).map(({ node, service }) => ({ node, service: service ? { service, up: this.up(service), zone: zones.get(node.host)! } : null }));
  }

  /** Host aggregates: Kumo has none (hosts are grouped by availability zone only). */
  aggregates(auth: AuthContext): never[] {
    this.policy.enforce('os_compute_api:os-aggregates:index', auth);
    return [];
  }

  async hypervisor(auth: AuthContext, id: string): Promise<HypervisorState> {
    const found = /^[0-9]+$/.test(id) ? (await this.hypervisors(auth, 'show')).find((h) => h.node.id === Number(id)) : undefined;
    if (!found) {
      this.policy.enforce('os_compute_api:os-hypervisors:show', auth);
      throw new NotFound(`Hypervisor with ID ${id} could not be found.`);
    }
    return found;
  }

  /** The zones with whether any enabled, up host serves them; `detail` adds the hosts (admin). */
  async availabilityZones(auth: AuthContext, detail: boolean): Promise<Array<{ name: string; available: boolean; hosts: ServiceState[] | null }>> {
    this.policy.enforce(detail ? 'os_compute_api:os-availability-zone:detail' : 'os_compute_api:os-availability-zone:list', auth);
    const zones = await this.zones();
    const all = (await this.nodes.listServices()).map((service) => ({ service, up: this.up(service), zone: service.binary === 'nova-compute' ? (zones.get(service.host) ?? this.config.compute.scheduler.default_availability_zone) : 'internal' }));
    const names = new Set<string>(all.filter((s) => s.zone !== 'internal').map((s) => s.zone));
    if (!names.size) names.add(this.config.compute.scheduler.default_availability_zone);
    if (detail && all.some((s) => s.zone === 'internal')) names.add('internal');
    return [...names].sort().map((name) => {
      const hosts = all.filter((s) => s.zone === name);
      const available = name === 'internal' ? true : hosts.some((s) => s.up && !s.service.disabled);
      return { name, available: available || (!hosts.length && !detail), hosts: detail ? hosts : null };
    });
  }

  /** What each project's servers used between start and end (hours × flavor), Nova's simple tenant usage. */
  async usage(auth: AuthContext, start: Date, end: Date, projectId?: string): Promise<TenantUsage[]> {
    if (end.getTime() <= start.getTime()) throw new BadRequest('Invalid start time. The start time cannot occur after the end time.');
    this.policy.enforce(projectId === undefined ? 'os_compute_api:os-simple-tenant-usage:list' : 'os_compute_api:os-simple-tenant-usage:show', auth, { project_id: projectId });
    const byProject = new Map<string, TenantUsage>();
    for (const inst of await this.instances.usageBetween(start, end, projectId)) {
      const startedAt = inst.launchedAt ?? inst.createdAt;
      const from = Math.max(startedAt.getTime(), start.getTime());
      const to = Math.min(inst.deletedAt?.getTime() ?? end.getTime(), end.getTime());
      const hours = Math.max(0, to - from) / 3_600_000;
      const u = byProject.get(inst.projectId) ?? { projectId: inst.projectId, start, stop: end, servers: [] };
      u.servers.push({ instance: inst, hours, startedAt, endedAt: inst.deletedAt });
      byProject.set(inst.projectId, u);
    }
    return [...byProject.values()];
  }
}
