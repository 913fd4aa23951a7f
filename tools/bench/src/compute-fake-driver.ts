/**
 * The compute scale benchmark's driver: a ComputeDriver that keeps its guests in memory and starts
 * no QEMU, so that one process can play many hypervisor hosts for the real agent code
 * (`startAgent`: host reports, the build's steps and state changes over RPC, terminate, power sync).
 * It lives in tools/bench, not in apps/compute's driver registry: a deployment can never select it.
 *
 * Each host also checks what the scheduler sends it against its own capacity (the allocation
 * ratios the scheduler is configured with): a build that would take the host over is still
 * accepted (the agent trusts the scheduler, as Nova's does) but counted in `oversubscribed`.
 */
import type {
  ComputeDriver,
  DriverCapabilities,
  GuestInfo,
  GuestPowerState,
  GuestSpec,
  HostFacts,
  PowerOperation,
  SnapshotTarget,
  SpawnOptions,
} from '@kumo/compute/dist/drivers/compute-driver';
import { GuestNotFound } from '@kumo/compute/dist/drivers/compute-driver';

export interface BenchHost {
  host: string;
  vcpus: number;
  memoryMb: number;
  localGb: number;
  /** RAM the scheduler keeps off each host (compute.scheduler.reserved_host_memory_mb) */
  reservedMemoryMb: number;
  ratios: { cpu: number; ram: number; disk: number };
}

/** What one fake host saw: the builds it got and whether any took it over its capacity. */
export interface BenchHostStatus {
  host: string;
  guests: number;
  builds: number;
  terminates: number;
  vcpusUsed: number;
  memoryMbUsed: number;
  localGbUsed: number;
  /** builds that arrived when the host had no room for them (the scheduler's rule: used + flavor <= (capacity - reserved) x ratio) */
  oversubscribed: number;
}

const RUNNING: GuestPowerState = 1;

export class BenchDriver implements ComputeDriver {
  readonly name = 'bench';
  readonly capabilities: DriverCapabilities = { snapshot: false, serialConsole: false, attachVolume: false };
  private readonly guests = new Map<string, GuestInfo>();
  private readonly listeners = new Set<(id: string) => void>();
  builds = 0;
  terminates = 0;
  oversubscribed = 0;

  constructor(readonly spec: BenchHost) {}

  async init(): Promise<void> {}

  async hostFacts(): Promise<HostFacts> {
    return {
      hypervisorHostname: this.spec.host,
      hypervisorType: 'QEMU',
      hypervisorVersion: 7_002_000,
      virtType: 'qemu',
      virtTypeReason: 'tools/bench BenchDriver: no hypervisor, guests are kept in memory',
      cpuInfo: JSON.stringify({
        arch: 'x86_64',
        model: 'bench',
        vendor: 'bench',
        topology: { cores: this.spec.vcpus, sockets: 1, threads: 1 },
      }),
      vcpus: this.spec.vcpus,
      memoryMb: this.spec.memoryMb,
      localGb: this.spec.localGb,
      freeDiskGb: Math.max(0, this.spec.localGb - this.used().localGbUsed),
    };
  }

  async listGuests(): Promise<GuestInfo[]> {
    return [...this.guests.values()];
  }

  async instancesWithFiles(): Promise<string[]> {
    return [...this.guests.keys()];
  }

  used(): Pick<BenchHostStatus, 'vcpusUsed' | 'memoryMbUsed' | 'localGbUsed'> {
    let vcpusUsed = 0;
    let memoryMbUsed = 0;
    let localGbUsed = 0;
    for (const g of this.guests.values()) {
      vcpusUsed += g.vcpus;
      memoryMbUsed += g.memoryMb;
      localGbUsed += g.rootGb;
    }
    return { vcpusUsed, memoryMbUsed, localGbUsed };
  }

  async spawn(spec: GuestSpec, opts: SpawnOptions): Promise<void> {
    if (this.guests.has(spec.instanceId)) return; // a redelivered build
    this.builds++;
    const u = this.used();
    const s = this.spec;
    const f = spec.flavor;
    if (
      u.vcpusUsed + f.vcpus > s.vcpus * s.ratios.cpu ||
      u.memoryMbUsed + f.memoryMb > (s.memoryMb - s.reservedMemoryMb) * s.ratios.ram ||
      u.localGbUsed + f.rootGb > s.localGb * s.ratios.disk
    )
      this.oversubscribed++;
    // the LibvirtDriver's steps, each reported as an instance-action event, doing no machine work
    for (const step of [
      'fetch_image',
      'prepare_disk',
      'build_config_drive',
      'define_domain',
      'start_domain',
    ] as const) {
      if (opts.signal?.aborted) throw opts.signal.reason as Error;
      await opts.step(step, async () => undefined);
    }
    this.guests.set(spec.instanceId, {
      instanceId: spec.instanceId,
      domainName: `bench-${spec.instanceId}`,
      powerState: RUNNING,
      detail: 'RUNNING:BOOTED',
      vcpus: f.vcpus,
      memoryMb: f.memoryMb,
      rootGb: f.rootGb,
    });
    await opts.step('wait_for_start', async () => undefined);
  }

  async destroy(instanceId: string): Promise<void> {
    if (this.guests.delete(instanceId)) this.terminates++;
  }

  private guest(instanceId: string): GuestInfo {
    const g = this.guests.get(instanceId);
    if (!g) throw new GuestNotFound(instanceId);
    return g;
  }

  async power(instanceId: string, op: PowerOperation): Promise<GuestPowerState> {
    const g = this.guest(instanceId);
    const state: Record<PowerOperation, GuestPowerState> = {
      start: 1,
      stop: 4,
      reboot_soft: 1,
      reboot_hard: 1,
      pause: 3,
      unpause: 1,
      suspend: 4,
      resume: 1,
    };
    g.powerState = state[op];
    return g.powerState;
  }

  async powerState(instanceId: string): Promise<GuestPowerState> {
    return this.guest(instanceId).powerState;
  }

  async consoleOutput(instanceId: string): Promise<string> {
    this.guest(instanceId);
    return '';
  }

  async snapshot(instanceId: string, _target: SnapshotTarget): Promise<void> {
    this.guest(instanceId);
    throw new Error('the bench driver does not snapshot');
  }

  async serialConsole(
    instanceId: string,
  ): Promise<{ libvirtUri: string; domainName: string; device: string | null }> {
    this.guest(instanceId);
    throw new Error('the bench driver has no console');
  }

  onGuestChange(listener: (instanceId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {}

  status(): BenchHostStatus {
    return {
      host: this.spec.host,
      guests: this.guests.size,
      builds: this.builds,
      terminates: this.terminates,
      oversubscribed: this.oversubscribed,
      ...this.used(),
    };
  }
}
