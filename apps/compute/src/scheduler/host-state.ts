/** What the filters know of a host (from its compute node row and nova-compute service). */
export interface HostState {
  host: string;
  node: string;
  availabilityZone: string;
  /** Its last report is within service_down_time and it is not forced down. */
  up: boolean;
  lastSeenUp: Date | null;
  disabled: boolean;
  disabledReason: string | null;
  vcpus: number;
  vcpusUsed: number;
  memoryMb: number;
  memoryMbUsed: number;
  localGb: number;
  localGbUsed: number;
  /** From the host's cpu_info (`arch`), null when it did not say. */
  architecture: string | null;
  hypervisorType: string;
}

/** What one instance asks of a host. */
export interface PlacementRequest {
  instanceId: string;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  /** The zone asked for, null for any. */
  availabilityZone: string | null;
  imageProperties: Record<string, string>;
}

export interface PlacementSettings {
  cpuAllocationRatio: number;
  ramAllocationRatio: number;
  diskAllocationRatio: number;
  reservedHostMemoryMb: number;
}

export function freeRamMb(h: HostState, s: PlacementSettings): number {
  return Math.floor((h.memoryMb - s.reservedHostMemoryMb) * s.ramAllocationRatio - h.memoryMbUsed);
}
export function freeVcpus(h: HostState, s: PlacementSettings): number {
  return Math.floor(h.vcpus * s.cpuAllocationRatio - h.vcpusUsed);
}
export function freeDiskGb(h: HostState, s: PlacementSettings): number {
  return Math.floor(h.localGb * s.diskAllocationRatio - h.localGbUsed);
}

/** The architecture a host's cpu_info JSON names (libvirt's `arch`), null when unreadable. */
export function architectureOf(cpuInfo: string): string | null {
  try {
    const v = (JSON.parse(cpuInfo) as { arch?: unknown }).arch;
    return typeof v === 'string' && v ? v : null;
  } catch {
    return null;
  }
}
