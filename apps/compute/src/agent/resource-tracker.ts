// The host report (Nova's resource tracker, without a database): capacity and hypervisor facts
// from the driver, usage summed over the guests this host has (plus what the host keeps for
// itself), cast to the conductor every report interval and at start.
import type { Logger } from '@kumo/common';
import type { RpcClient } from '@kumo/messaging';
import { GUEST_POWER, type ComputeDriver, type GuestInfo, type HostFacts } from '../drivers/compute-driver';
import type { computeConductor, HostReport } from '../rpc/conductor.contract';
import { messageOf } from './conductor-link';

export interface TrackerOptions {
  host: string;
  hostIp: string;
  availabilityZone: string | null;
  agentVersion: string;
  reservedHostMemoryMb: number;
  reservedHostDiskMb: number;
  reservedHostCpus: number;
  now?: () => Date;
}

/** The report of a host's facts and guests (pure: tested without a driver). */
export function hostReportOf(facts: HostFacts, guests: GuestInfo[], o: TrackerOptions, at: Date): HostReport {
  const sum = (f: (g: GuestInfo) => number) => guests.reduce((n, g) => n + f(g), 0);
  return {
    host: o.host,
    hypervisorHostname: facts.hypervisorHostname,
    hostIp: o.hostIp,
    availabilityZone: o.availabilityZone,
    hypervisorType: facts.hypervisorType,
    hypervisorVersion: facts.hypervisorVersion,
    virtType: facts.virtType,
    virtTypeReason: facts.virtTypeReason,
    cpuInfo: facts.cpuInfo,
    vcpus: Math.max(0, facts.vcpus - o.reservedHostCpus),
    memoryMb: facts.memoryMb,
    localGb: facts.localGb,
    vcpusUsed: sum((g) => g.vcpus),
    // Nova counts the host's reserved memory and disk as used
    memoryMbUsed: o.reservedHostMemoryMb + sum((g) => g.memoryMb),
    localGbUsed: Math.ceil(o.reservedHostDiskMb / 1024) + sum((g) => g.rootGb),
    freeDiskGb: facts.freeDiskGb,
    runningVms: guests.filter((g) => g.powerState === GUEST_POWER.RUNNING).length,
    instances: guests.map((g) => ({ instanceId: g.instanceId, powerState: g.powerState })),
    agentVersion: o.agentVersion,
    reportedAt: at.toISOString(),
  };
}

export class ResourceTracker {
  constructor(
    private readonly driver: ComputeDriver,
    private readonly conductor: RpcClient<typeof computeConductor>,
    private readonly log: Logger,
    private readonly opts: TrackerOptions,
  ) {}

  async report(): Promise<HostReport> {
    const [facts, guests] = await Promise.all([this.driver.hostFacts(), this.driver.listGuests()]);
    const report = hostReportOf(facts, guests, this.opts, (this.opts.now ?? (() => new Date()))());
    await this.conductor.cast(undefined, 'reportHost', report);
    return report;
  }

  /** report(), logging instead of throwing (the periodic task). */
  async tick(): Promise<void> {
    try {
      await this.report();
    } catch (err) {
      this.log.warn({ err: messageOf(err) }, 'host report not sent');
    }
  }
}
