import { freeDiskGb, freeRamMb, freeVcpus, HostState, PlacementRequest, PlacementSettings } from './host-state';

/**
 * Nova's filters (nova/scheduler/filters), each with an explanation of what it removed: a server
 * that cannot be placed says, per filter, how many hosts it removed and why (the best candidate's
 * numbers), which no OpenStack release tells.
 */
export interface HostFilter {
  readonly name: string;
  passes(h: HostState, req: PlacementRequest, s: PlacementSettings): boolean;
  /** Why `removed` (non-empty) failed, in a few words with numbers. */
  explain(removed: HostState[], req: PlacementRequest, s: PlacementSettings): string;
}

/** `12:01:07` (UTC), the time a host was last seen. */
function clock(d: Date | null): string {
  return d ? d.toISOString().slice(11, 19) : 'never';
}

function listSome(items: string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function best<T>(hosts: HostState[], value: (h: HostState) => T): { host: HostState; value: T } {
  let b = hosts[0];
  for (const h of hosts) if (value(h) > value(b) || (value(h) === value(b) && h.host < b.host)) b = h;
  return { host: b, value: value(b) };
}

export const ComputeFilter: HostFilter = {
  name: 'ComputeFilter',
  passes: (h) => h.up && !h.disabled,
  explain(removed) {
    return listSome(removed.map((h) => (!h.up ? `${h.host} down since ${clock(h.lastSeenUp)}` : `${h.host} disabled${h.disabledReason ? `: ${h.disabledReason}` : ''}`)));
  },
};

export const AvailabilityZoneFilter: HostFilter = {
  name: 'AvailabilityZoneFilter',
  passes: (h, req) => req.availabilityZone === null || h.availabilityZone === req.availabilityZone,
  explain(removed, req) {
    const zones = [...new Set(removed.map((h) => h.availabilityZone))].sort();
    return `not in zone ${req.availabilityZone ?? ''}: ${listSome(zones)}`;
  },
};

export const RamFilter: HostFilter = {
  name: 'RamFilter',
  passes: (h, req, s) => freeRamMb(h, s) >= req.memoryMb,
  explain(removed, req, s) {
    const b = best(removed, (h) => freeRamMb(h, s));
    return `needs ${req.memoryMb} MiB, largest free ${Math.max(b.value, 0)} MiB on ${b.host.host}`;
  },
};

export const CoreFilter: HostFilter = {
  name: 'CoreFilter',
  passes: (h, req, s) => freeVcpus(h, s) >= req.vcpus,
  explain(removed, req, s) {
    const b = best(removed, (h) => freeVcpus(h, s));
    return `needs ${req.vcpus} vCPUs, most free ${Math.max(b.value, 0)} on ${b.host.host}`;
  },
};

export const DiskFilter: HostFilter = {
  name: 'DiskFilter',
  passes: (h, req, s) => freeDiskGb(h, s) >= req.diskGb,
  explain(removed, req, s) {
    const b = best(removed, (h) => freeDiskGb(h, s));
    return `needs ${req.diskGb} GB, largest free ${Math.max(b.value, 0)} GB on ${b.host.host}`;
  },
};

/** Canonical architecture names (nova/objects/fields.py Architecture.canonicalize). */
export function canonicalArch(a: string): string {
  const v = a.toLowerCase();
  if (['i386', 'i486', 'i586', 'i686', 'x86_32', 'ia32'].includes(v)) return 'i686';
  if (['amd64', 'x86_64', 'x64'].includes(v)) return 'x86_64';
  if (['arm64', 'aarch64'].includes(v)) return 'aarch64';
  return v;
}

/** Image properties the host must match: hw_architecture (or architecture), img_hv_type. */
export const ImagePropertiesFilter: HostFilter = {
  name: 'ImagePropertiesFilter',
  passes(h, req) {
    const arch = req.imageProperties.hw_architecture ?? req.imageProperties.architecture;
    if (arch && h.architecture && canonicalArch(arch) !== canonicalArch(h.architecture)) return false;
    const hv = req.imageProperties.img_hv_type ?? req.imageProperties.hypervisor_type;
    if (hv && hv.toLowerCase() !== h.hypervisorType.toLowerCase() && !(hv.toLowerCase() === 'kvm' && h.hypervisorType.toLowerCase() === 'qemu')) return false;
    return true;
  },
  explain(removed, req) {
    const arch = req.imageProperties.hw_architecture ?? req.imageProperties.architecture;
    const hv = req.imageProperties.img_hv_type ?? req.imageProperties.hypervisor_type;
    const what = [arch ? `hw_architecture=${arch}` : '', hv ? `img_hv_type=${hv}` : ''].filter(Boolean).join(' ');
    const have = [...new Set(removed.map((h) => `${h.architecture ?? '?'}/${h.hypervisorType}`))].sort();
    return `image needs ${what}, hosts have ${listSome(have)}`;
  },
};

/** Nova's default order: cheap and decisive first. */
export const DEFAULT_FILTERS: readonly HostFilter[] = [ComputeFilter, AvailabilityZoneFilter, RamFilter, CoreFilter, DiskFilter, ImagePropertiesFilter];

export interface FilterRemoval {
  filter: string;
  count: number;
  reason: string;
}

export interface FilterResult {
  passed: HostState[];
  removals: FilterRemoval[];
  total: number;
}

/** Runs the filters in order; each sees what the previous ones left. */
export function runFilters(hosts: HostState[], req: PlacementRequest, s: PlacementSettings, filters: readonly HostFilter[] = DEFAULT_FILTERS): FilterResult {
  let left = hosts;
  const removals: FilterRemoval[] = [];
  for (const f of filters) {
    const removed: HostState[] = [];
    const kept: HostState[] = [];
    for (const h of left) (f.passes(h, req, s) ? kept : removed).push(h);
    if (removed.length) removals.push({ filter: f.name, count: removed.length, reason: f.explain(removed, req, s) });
    left = kept;
  }
  return { passed: left, removals, total: hosts.length };
}

/**
 * `No valid host: 3 hosts; RamFilter removed 2 (needs 8192 MiB, largest free 4096 MiB on node-2);
 * ComputeFilter removed 1 (node-3 down since 12:01:07)`: the filters that removed most first.
 */
export function noValidHostMessage(r: FilterResult): string {
  if (r.total === 0) return 'No valid host: 0 hosts (no compute host has reported to the scheduler)';
  const parts = [...r.removals].sort((a, b) => b.count - a.count).map((x) => `${x.filter} removed ${x.count} (${x.reason})`);
  return `No valid host: ${r.total} host${r.total === 1 ? '' : 's'}; ${parts.join('; ')}`;
}
