// A compute driver in memory and a conductor over an in-memory instance table, for the agent's
// handler tests (the real driver has its own integration test against libvirtd).
import type { Messaging } from '@kumo/messaging';
import {
  ComputeDriver,
  GUEST_POWER,
  GuestNotFound,
  type BuildStep,
  type GuestInfo,
  type GuestPowerState,
  type GuestSpec,
  type HostFacts,
  type PowerOperation,
  type SnapshotTarget,
  type SpawnOptions,
} from '../../../../src/drivers/compute-driver';
import { computeConductor, type HostReport } from '../../../../src/rpc/conductor.contract';
import type { FaultSpec, TaskState, VmState } from '../../../../src/rpc/instance-spec';

export class FakeDriver extends ComputeDriver {
  readonly name = 'fake';
  readonly capabilities = { snapshot: true, serialConsole: true, attachVolume: false };
  readonly guests = new Map<string, { spec: GuestSpec; power: GuestPowerState }>();
  readonly files = new Set<string>();
  failAt: { step: BuildStep; message: string } | null = null;
  /** a step that waits until the build is aborted */
  hangAt: BuildStep | null = null;
  powerFails: string | null = null;
  console = new Map<string, string>();

  readonly listeners = new Set<(id: string) => void>();
  onGuestChange(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
  /** the hypervisor changed a guest by itself */
  changeBehindTheAgent(id: string, power: GuestPowerState): void {
    this.guests.get(id)!.power = power;
    for (const l of this.listeners) l(id);
  }
  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async hostFacts(): Promise<HostFacts> {
    return { hypervisorHostname: 'node-1.test', hypervisorType: 'QEMU', hypervisorVersion: 7_002_000, virtType: 'qemu', virtTypeReason: 'fake', cpuInfo: '{}', vcpus: 8, memoryMb: 16384, localGb: 100, freeDiskGb: 80.5 };
  }
  async listGuests(): Promise<GuestInfo[]> {
    return [...this.guests].map(([id, g]) => ({ instanceId: id, domainName: `instance-${id}`, powerState: g.power, detail: String(g.power), vcpus: g.spec.flavor.vcpus, memoryMb: g.spec.flavor.memoryMb, rootGb: g.spec.flavor.rootGb }));
  }
  async instancesWithFiles(): Promise<string[]> {
    return [...this.files];
  }
  async spawn(spec: GuestSpec, { step, signal }: SpawnOptions): Promise<void> {
    if (this.guests.get(spec.instanceId)?.power === GUEST_POWER.RUNNING) return;
    const steps: BuildStep[] = ['fetch_image', 'prepare_disk', 'build_config_drive', 'define_domain', 'start_domain', 'wait_for_start'];
    try {
      for (const s of steps) {
        await step(s, async () => {
          if (this.failAt?.step === s) throw new Error(this.failAt.message);
          if (this.hangAt === s) await new Promise((r) => signal?.addEventListener('abort', r, { once: true }));
          if (s === 'prepare_disk') this.files.add(spec.instanceId);
          if (s === 'define_domain') this.guests.set(spec.instanceId, { spec, power: GUEST_POWER.SHUTDOWN });
          if (s === 'start_domain') this.guests.get(spec.instanceId)!.power = GUEST_POWER.RUNNING;
        });
        if (signal?.aborted) throw new Error('the build was cancelled');
      }
    } catch (err) {
      await this.destroy(spec.instanceId);
      throw err;
    }
  }
  async destroy(id: string): Promise<void> {
    this.guests.delete(id);
    this.files.delete(id);
  }
  private guest(id: string) {
    const g = this.guests.get(id);
    if (!g) throw new GuestNotFound(id);
    return g;
  }
  async power(id: string, op: PowerOperation): Promise<GuestPowerState> {
    const g = this.guest(id);
    if (this.powerFails) throw new Error(this.powerFails);
    const to: Record<PowerOperation, GuestPowerState> = { start: 1, stop: 4, reboot_soft: 1, reboot_hard: 1, pause: 3, unpause: 1, suspend: 3, resume: 1 };
    g.power = to[op];
    return g.power;
  }
  async powerState(id: string): Promise<GuestPowerState> {
    return this.guest(id).power;
  }
  async consoleOutput(id: string, lines?: number): Promise<string> {
    this.guest(id);
    const all = (this.console.get(id) ?? '').split('\n');
    return (lines === undefined ? all : all.slice(-lines)).join('\n');
  }
  async snapshot(id: string, target: SnapshotTarget): Promise<void> {
    this.guest(id);
    await target.onUploading?.();
    await target.upload(`/fake/${id}/snapshot.qcow2`);
  }
  async serialConsole(id: string) {
    this.guest(id);
    return { libvirtUri: 'test:///default', domainName: `instance-${id}`, device: null };
  }
}

export interface Row {
  vmState: VmState;
  taskState: TaskState | null;
  powerState: number;
  host: string | null;
  launchedAt: string | null;
  fault: FaultSpec | null;
  deleted: boolean;
}

/** computeConductor over a Map, with compare-and-set on the task state as the real one does. */
export class FakeConductor {
  readonly rows = new Map<string, Row>();
  readonly events: Array<{ instanceId: string; event: string; phase: string; result?: string; details?: string; requestId: string }> = [];
  readonly notifications: string[] = [];
  readonly reports: HostReport[] = [];

  add(id: string, row: Partial<Row> = {}): void {
    this.rows.set(id, { vmState: 'building', taskState: 'scheduling', powerState: 0, host: null, launchedAt: null, fault: null, deleted: false, ...row });
  }

  async serve(bus: Messaging): Promise<void> {
    await bus.serve(computeConductor, {
      reportHost: (_ctx, r) => void this.reports.push(r),
      actionEvent: (_ctx, e) => void this.events.push(e),
      instanceState: (_ctx, { instanceId }) => {
        const row = this.rows.get(instanceId);
        return { found: row ? { vmState: row.vmState, taskState: row.taskState, deleted: row.deleted } : null };
      },
      instanceUpdate: (_ctx, { instanceId, expectTaskState, change, notify }) => {
        const row = this.rows.get(instanceId);
        if (!row) return { applied: false, found: null };
        const found = () => ({ vmState: row.vmState, taskState: row.taskState, deleted: row.deleted });
        if (row.deleted || (expectTaskState && !expectTaskState.includes(row.taskState))) return { applied: false, found: found() };
        Object.assign(row, Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)));
        if (change.vmState === 'deleted') row.deleted = true;
        if (notify) this.notifications.push(`compute.instance.${notify.action}.${notify.phase}`);
        return { applied: true, found: found() };
      },
    });
  }

  eventsOf(id: string): string[] {
    return this.events.filter((e) => e.instanceId === id).map((e) => `${e.event}:${e.phase}${e.result ? `:${e.result}` : ''}`);
  }
}
