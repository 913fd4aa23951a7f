import { Controller, Get, Param } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { NotImplemented } from '@kumo/common';
import { HostsService, HypervisorState } from '../../services/hosts.service';

function stateOf(h: HypervisorState): { state: string; status: string } {
  return { state: h.service?.up ? 'up' : 'down', status: h.service?.service.disabled ? 'disabled' : 'enabled' };
}

/** A hypervisor at 2.1 (nova/api/openstack/compute/hypervisors.py _view_hypervisor): integer id, cpu_info a JSON string. */
export function hypervisorView(h: HypervisorState, detail: boolean): Record<string, unknown> {
  const n = h.node;
  const base = { id: n.id, hypervisor_hostname: n.hypervisorHostname, ...stateOf(h) };
  if (!detail) return base;
  return {
    ...base,
    vcpus: n.vcpus,
    memory_mb: n.memoryMb,
    local_gb: n.localGb,
    vcpus_used: n.vcpusUsed,
    memory_mb_used: n.memoryMbUsed,
    local_gb_used: n.localGbUsed,
    hypervisor_type: n.hypervisorType,
    hypervisor_version: n.hypervisorVersion,
    free_ram_mb: n.memoryMb - n.memoryMbUsed,
    free_disk_gb: n.localGb - n.localGbUsed,
    current_workload: 0,
    running_vms: n.runningVms,
    disk_available_least: Math.floor(n.freeDiskGb),
    host_ip: n.hostIp,
    service: { host: n.host, id: h.service?.service.id ?? null, disabled_reason: h.service?.service.disabledReason ?? null },
    cpu_info: cpuInfoOf(n.cpuInfo, n.virtType, n.virtTypeReason),
  };
}

/** libvirt's cpu_info, with the virt type the agent decided (kvm or qemu/TCG) and why: what `openstack hypervisor show` prints. */
function cpuInfoOf(cpuInfo: string, virtType: string, reason: string): string {
  let info: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(cpuInfo);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) info = parsed as Record<string, unknown>;
  } catch {
    // a report without a parseable cpu_info still says its virt type
  }
  return JSON.stringify({ ...info, virt_type: virtType, virt_type_reason: reason });
}

/** `/v2.1/os-hypervisors` (admin): list, detail, statistics, show. */
@Controller('v2.1/os-hypervisors')
export class HypervisorsController {
  constructor(private readonly hosts: HostsService) {}

  @Get()
  async list(@Auth() auth: AuthContext): Promise<unknown> {
    return { hypervisors: (await this.hosts.hypervisors(auth, 'list')).map((h) => hypervisorView(h, false)) };
  }

  @Get('detail')
  async detail(@Auth() auth: AuthContext): Promise<unknown> {
    return { hypervisors: (await this.hosts.hypervisors(auth, 'list-detail')).map((h) => hypervisorView(h, true)) };
  }

  @Get('statistics')
  async statistics(@Auth() auth: AuthContext): Promise<unknown> {
    const all = await this.hosts.hypervisors(auth, 'statistics');
    const sum = (f: (h: HypervisorState) => number) => all.reduce((s, h) => s + f(h), 0);
    return {
      hypervisor_statistics: {
        count: all.length,
        vcpus: sum((h) => h.node.vcpus),
        memory_mb: sum((h) => h.node.memoryMb),
        local_gb: sum((h) => h.node.localGb),
        vcpus_used: sum((h) => h.node.vcpusUsed),
        memory_mb_used: sum((h) => h.node.memoryMbUsed),
        local_gb_used: sum((h) => h.node.localGbUsed),
        free_ram_mb: sum((h) => h.node.memoryMb - h.node.memoryMbUsed),
        free_disk_gb: sum((h) => h.node.localGb - h.node.localGbUsed),
        current_workload: 0,
        running_vms: sum((h) => h.node.runningVms),
        disk_available_least: sum((h) => Math.floor(h.node.freeDiskGb)),
      },
    };
  }

  /**
   * Nova answers 501 when the virt driver has no uptime (get_host_uptime); Kumo's agent does not
   * report it yet, so the same: `openstack hypervisor show` skips the uptime on a 501.
   */
  @Get(':id/uptime')
  async uptime(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    await this.hosts.hypervisor(auth, id);
    throw new NotImplemented('Virt driver does not implement uptime function.');
  }

  @Get(':id')
  async show(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { hypervisor: hypervisorView(await this.hosts.hypervisor(auth, id), true) };
  }
}
