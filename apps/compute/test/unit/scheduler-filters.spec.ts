import { canonicalArch, noValidHostMessage, runFilters } from '../../src/scheduler/filters';
import type { HostState, PlacementRequest, PlacementSettings } from '../../src/scheduler/host-state';
import { bestHost, weigh } from '../../src/scheduler/weighers';

const settings: PlacementSettings = { cpuAllocationRatio: 1, ramAllocationRatio: 1, diskAllocationRatio: 1, reservedHostMemoryMb: 0 };

function host(name: string, fields: Partial<HostState> = {}): HostState {
  return {
    host: name,
    node: `${name}.lab`,
    availabilityZone: 'nova',
    up: true,
    lastSeenUp: new Date('2026-12-07T12:01:07Z'),
    disabled: false,
    disabledReason: null,
    vcpus: 8,
    vcpusUsed: 0,
    memoryMb: 16384,
    memoryMbUsed: 0,
    localGb: 100,
    localGbUsed: 0,
    architecture: 'x86_64',
    hypervisorType: 'QEMU',
    ...fields,
  };
}

const req = (fields: Partial<PlacementRequest> = {}): PlacementRequest => ({ instanceId: 'i', vcpus: 1, memoryMb: 512, diskGb: 1, availabilityZone: null, imageProperties: {}, ...fields });

describe('scheduler filters and the explanation of a failure', () => {
  it('names each filter, how many hosts it removed and why, the biggest removal first', () => {
    const hosts = [host('node-1', { memoryMbUsed: 14336 }), host('node-2', { memoryMbUsed: 12288 }), host('node-3', { up: false })];
    const r = runFilters(hosts, req({ memoryMb: 8192 }), settings);
    expect(r.passed).toEqual([]);
    expect(noValidHostMessage(r)).toBe('No valid host: 3 hosts; RamFilter removed 2 (needs 8192 MiB, largest free 4096 MiB on node-2); ComputeFilter removed 1 (node-3 down since 12:01:07)');
  });

  it('applies allocation ratios and reserved memory', () => {
    const h = host('a', { memoryMb: 4096, memoryMbUsed: 4096, vcpus: 2, vcpusUsed: 2 });
    expect(runFilters([h], req({ memoryMb: 1024 }), settings).passed).toHaveLength(0);
    expect(runFilters([h], req({ memoryMb: 1024 }), { ...settings, ramAllocationRatio: 1.5, cpuAllocationRatio: 16 }).passed).toHaveLength(1);
    const reserved = runFilters([host('b', { memoryMb: 1024 })], req({ memoryMb: 1024 }), { ...settings, reservedHostMemoryMb: 512 });
    expect(noValidHostMessage(reserved)).toBe('No valid host: 1 host; RamFilter removed 1 (needs 1024 MiB, largest free 512 MiB on b)');
  });

  it('explains cores, disk, zones, disabled hosts and image properties', () => {
    const hosts = [host('c', { vcpus: 2, vcpusUsed: 2 }), host('d', { localGb: 10, localGbUsed: 9 }), host('e', { availabilityZone: 'az2' }), host('f', { disabled: true, disabledReason: 'maintenance' }), host('g', { architecture: 'aarch64' })];
    const r = runFilters(hosts, req({ vcpus: 1, diskGb: 5, availabilityZone: 'nova', imageProperties: { hw_architecture: 'amd64' } }), settings);
    expect(r.passed).toEqual([]);
    const msg = noValidHostMessage(r);
    expect(msg).toContain('ComputeFilter removed 1 (f disabled: maintenance)');
    expect(msg).toContain('AvailabilityZoneFilter removed 1 (not in zone nova: az2)');
    expect(msg).toContain('CoreFilter removed 1 (needs 1 vCPUs, most free 0 on c)');
    expect(msg).toContain('DiskFilter removed 1 (needs 5 GB, largest free 1 GB on d)');
    expect(msg).toContain('ImagePropertiesFilter removed 1 (image needs hw_architecture=amd64, hosts have aarch64/QEMU)');
    expect(msg.startsWith('No valid host: 5 hosts; ')).toBe(true);
  });

  it('says when no host has reported at all', () => {
    expect(noValidHostMessage(runFilters([], req(), settings))).toBe('No valid host: 0 hosts (no compute host has reported to the scheduler)');
  });

  it('canonicalises architectures as Nova does', () => {
    expect(canonicalArch('AMD64')).toBe('x86_64');
    expect(canonicalArch('arm64')).toBe('aarch64');
    expect(canonicalArch('i386')).toBe('i686');
  });

  it('weighs: spread puts the next on the most free RAM, pack on the least, ties by name', () => {
    const hosts = [host('b', { memoryMbUsed: 8192 }), host('a', { memoryMbUsed: 0 }), host('c', { memoryMbUsed: 0 })];
    expect(weigh(hosts, settings, 'spread').map((h) => h.host)).toEqual(['a', 'c', 'b']);
    expect(weigh(hosts, settings, 'pack').map((h) => h.host)).toEqual(['b', 'a', 'c']);
  });

  it('bestHost is the first of weigh() in one pass, whatever the order it is given', () => {
    const hosts = [host('b', { memoryMbUsed: 8192 }), host('d', { memoryMbUsed: 4096 }), host('c', { memoryMbUsed: 0 }), host('a', { memoryMbUsed: 0 }), host('e', { memoryMbUsed: 12288 })];
    for (const order of [hosts, [...hosts].reverse(), [hosts[2], hosts[4], hosts[0], hosts[3], hosts[1]]]) {
      for (const w of ['spread', 'pack'] as const) expect(bestHost(order, settings, w).host).toBe(weigh(order, settings, w)[0].host);
    }
    expect(bestHost(hosts, settings, 'spread').host).toBe('a');
    expect(bestHost(hosts, settings, 'pack').host).toBe('e');
  });
});
