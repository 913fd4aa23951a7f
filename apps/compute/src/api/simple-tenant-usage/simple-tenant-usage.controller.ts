import { Controller, Get, Param, Query } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { BadRequest } from '@kumo/common';
import { HostsService, TenantUsage } from '../../services/hosts.service';
import { isoMicros } from '../../views/server.view';
import { serverStatus } from '../../services/server-states';
import { lastParam } from '../validation';

function when(q: Record<string, unknown>, name: string, fallback: Date): Date {
  const v = lastParam(q, name);
  if (v === undefined) return fallback;
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(d.getTime())) throw new BadRequest(`Invalid input for query parameters ${name}. Value: ${v}. '${v}' is not a 'date-time'`);
  return d;
}

/** A tenant usage at 2.1 (nova/api/openstack/compute/simple_tenant_usage.py). */
export function tenantUsageView(u: TenantUsage, detailed: boolean): Record<string, unknown> {
  const servers = u.servers.map((s) => ({
    instance_id: s.instance.uuid,
    name: s.instance.name,
    hours: s.hours,
    memory_mb: s.instance.memoryMb,
    local_gb: s.instance.rootGb + s.instance.ephemeralGb,
    vcpus: s.instance.vcpus,
    tenant_id: s.instance.projectId,
    flavor: s.instance.flavor.name,
    started_at: isoMicros(s.startedAt),
    ended_at: isoMicros(s.endedAt),
    state: s.instance.deleted ? 'terminated' : serverStatus(s.instance.vmState, null).toLowerCase(),
    uptime: Math.floor((Math.min(s.endedAt?.getTime() ?? Date.now(), Date.now()) - s.startedAt.getTime()) / 1000),
  }));
  const out: Record<string, unknown> = {
    tenant_id: u.projectId,
    total_local_gb_usage: servers.reduce((a, s) => a + s.local_gb * s.hours, 0),
    total_vcpus_usage: servers.reduce((a, s) => a + s.vcpus * s.hours, 0),
    total_memory_mb_usage: servers.reduce((a, s) => a + s.memory_mb * s.hours, 0),
    total_hours: servers.reduce((a, s) => a + s.hours, 0),
    start: isoMicros(u.start),
    stop: isoMicros(u.stop),
  };
  if (detailed) out.server_usages = servers;
  return out;
}

/** `/v2.1/os-simple-tenant-usage[/{tenant_id}]`: hours × flavor of each project's servers in [start, end). */
@Controller('v2.1/os-simple-tenant-usage')
export class SimpleTenantUsageController {
  constructor(private readonly hosts: HostsService) {}

  @Get()
  async list(@Auth() auth: AuthContext, @Query() q: Record<string, unknown>): Promise<unknown> {
    const now = new Date();
    const usages = await this.hosts.usage(auth, when(q, 'start', now), when(q, 'end', now));
    const detailed = ['1', 'true', 'True'].includes(lastParam(q, 'detailed') ?? '');
    return { tenant_usages: usages.map((u) => tenantUsageView(u, detailed)) };
  }

  @Get(':tenantId')
  async show(@Auth() auth: AuthContext, @Param('tenantId') tenantId: string, @Query() q: Record<string, unknown>): Promise<unknown> {
    const now = new Date();
    const start = when(q, 'start', now);
    const end = when(q, 'end', now);
    const [u] = await this.hosts.usage(auth, start, end, tenantId);
    return { tenant_usage: u ? tenantUsageView(u, true) : {} };
  }
}
