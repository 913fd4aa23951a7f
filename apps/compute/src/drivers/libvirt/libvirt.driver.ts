// LibvirtDriver: QEMU/KVM guests through @kumo/libvirt. Per instance: <instances>/<uuid>/disk (a
// qcow2 overlay on the cached base image), disk.config (the config drive ISO), console.log (the
// serial console, written by virtlogd). Domains are named <prefix><uuid> and carry Kumo's metadata.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@kumo/common';
import {
  DomainEventID,
  DomainEventType,
  DomainState,
  DomainUndefineFlags,
  domainManagedSave,
  isNoDomain,
  isOperationInvalid,
  ReconnectingLibvirt,
  type ConnectOptions,
  type Domain,
  type LibvirtClient,
} from '@kumo/libvirt';
import {
  ComputeDriver,
  FlavorDiskSmallerThanImage,
  GuestNotFound,
  type DriverCapabilities,
  type GuestInfo,
  type GuestPowerState,
  type GuestSpec,
  type HostFacts,
  type ImageCacheReport,
  type PowerOperation,
  type SnapshotTarget,
  type SpawnOptions,
} from '../compute-driver';
import type { CommandExecutor } from '../command-executor';
import { buildConfigDrive } from './config-drive';
import { parseCapabilities, parseKumoMetadata, toDomainXml, type DomainDefinition, type KumoInstanceMetadata } from './domain-xml';
import { ImageCache, type ImageFetcher } from './image-cache';
import { manageImageCache } from './image-cache-manager';
import { MAX_CONSOLE_BYTES, powerStateOf, readTail, waitForLifecycle, type LifecycleWait } from './guest-state';
import { probeKvm } from './kvm-probe';
import { QemuImg } from './qemu-img';

const GiB = 1024 ** 3;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface LibvirtDriverOptions {
  uri: string;
  connect?: ConnectOptions;
  instancesPath: string;
  /** domain names are <prefix><instance uuid> */
  domainPrefix: string;
  virtType: 'auto' | 'kvm' | 'qemu';
  machine: string;
  /** how long a guest gets to power off on ACPI before it is destroyed (Nova's shutdown_timeout) */
  shutdownTimeoutMs: number;
  /** how long a soft reboot waits for the guest to power off before rebooting hard (Nova's wait_soft_reboot_seconds) */
  softRebootWaitMs: number;
  /** how long a start waits for libvirt's STARTED event */
  startTimeoutMs: number;
  kvmProbeTimeoutMs: number;
}

/** Nova's os_shutdown_timeout image property: seconds a guest gets to power off on ACPI (0: destroyed at once). */
function shutdownTimeoutOf(properties: Record<string, string>): { shutdownTimeout?: number } {
  const v = properties.os_shutdown_timeout;
  return v !== undefined && /^\d{1,6}$/.test(v) ? { shutdownTimeout: Number(v) } : {};
}

class BuildAborted extends Error {
  constructor() {
    super('the build was cancelled (timed out or deleted)');
  }
}

export class LibvirtDriver extends ComputeDriver {
  readonly name = 'libvirt';
  readonly capabilities: DriverCapabilities = { snapshot: true, serialConsole: true, attachVolume: false };
  private lv!: ReconnectingLibvirt;
  private readonly qemuImg: QemuImg;
  readonly images: ImageCache;
  private virt: { type: 'kvm' | 'qemu'; reason: string } = { type: 'qemu', reason: 'not probed yet' };
  private arch = 'x86_64';
  private cpuInfo = '{}';
  private readonly metadata = new Map<string, KumoInstanceMetadata | null>();

  constructor(
    private readonly opts: LibvirtDriverOptions,
    private readonly exec: CommandExecutor,
    fetchImage: ImageFetcher,
    private readonly log: Logger,
  ) {
    super();
    this.qemuImg = new QemuImg(exec);
    this.images = new ImageCache(opts.instancesPath, fetchImage, this.qemuImg);
  }

  private get client(): LibvirtClient {
    return this.lv.client;
  }

  domainName(instanceId: string): string {
    return `${this.opts.domainPrefix}${instanceId}`;
  }

  instanceDir(instanceId: string): string {
    return join(this.opts.instancesPath, instanceId);
  }

  async init(): Promise<void> {
    await mkdir(this.opts.instancesPath, { recursive: true, mode: 0o755 });
    this.lv = new ReconnectingLibvirt({ uri: this.opts.uri, connect: this.opts.connect ?? {}, events: [{ eventId: DomainEventID.LIFECYCLE }] });
    this.lv.on('connectFailed', (err, attempt, delay) => {
      if (attempt === 1 || attempt % 10 === 0) this.log.warn({ err: (err as Error).message, attempt, delayMs: delay, uri: this.opts.uri }, 'libvirtd unreachable, retrying');
    });
    this.lv.on('disconnected', (err) => this.log.warn({ err: err.message }, 'libvirtd connection lost, reconnecting'));
    this.lv.on('reconnected', () => this.log.info({ uri: this.opts.uri }, 'libvirtd reconnected (events registered again)'));
    await this.lv.start();
    const caps = parseCapabilities(await this.client.connectGetCapabilities());
    this.arch = caps.arch;
    this.cpuInfo = JSON.stringify({
      arch: caps.arch,
      model: caps.cpuModel,
      vendor: caps.cpuVendor,
      topology: caps.topology,
      features: caps.features,
    });
    this.virt = await this.decideVirtType(caps.domainTypes);
    this.log.info({ virtType: this.virt.type, reason: this.virt.reason }, `hypervisor: ${this.virt.type}`);
  }

  /** kvm when configured so; qemu when configured so; auto: kvm if /dev/kvm exists, libvirt offers it and a probe guest runs. */
  private async decideVirtType(domainTypes: string[]): Promise<{ type: 'kvm' | 'qemu'; reason: string }> {
    if (this.opts.virtType === 'qemu') return { type: 'qemu', reason: 'virt_type qemu (TCG) is configured' };
    if (this.opts.virtType === 'kvm') return { type: 'kvm', reason: 'virt_type kvm is configured (not probed)' };
    if (!existsSync('/dev/kvm')) return { type: 'qemu', reason: 'no /dev/kvm on this host: TCG (virt_type qemu)' };
    if (!domainTypes.includes('kvm')) return { type: 'qemu', reason: `/dev/kvm exists but libvirt offers no kvm domain for ${this.arch} (its capabilities list ${domainTypes.join(', ') || 'none'}): TCG` };
    const probe = await probeKvm(this.client, join(this.opts.instancesPath, '_kvm-probe'), `${this.opts.domainPrefix}kvm-probe`, this.opts.kvmProbeTimeoutMs);
    this.log.info({ works: probe.works, ms: probe.ms }, probe.reason);
    return { type: probe.works ? 'kvm' : 'qemu', reason: probe.reason };
  }

  get virtType(): { type: 'kvm' | 'qemu'; reason: string } {
    return this.virt;
  }

  async hostFacts(): Promise<HostFacts> {
    const c = this.client;
    const [node, hv, hostname, fs] = await Promise.all([c.nodeGetInfo(), c.connectGetVersion(), c.connectGetHostname(), statfs(this.opts.instancesPath)]);
    return {
      hypervisorHostname: hostname,
      hypervisorType: 'QEMU',
      hypervisorVersion: hv.number,
      virtType: this.virt.type,
      virtTypeReason: this.virt.reason,
      cpuInfo: this.cpuInfo,
      vcpus: node.cpus,
      memoryMb: Math.floor(node.memoryKiB / 1024),
      localGb: Math.floor((fs.blocks * fs.bsize) / GiB),
      freeDiskGb: Math.floor(((fs.bavail * fs.bsize) / GiB) * 100) / 100,
    };
  }

  async listGuests(): Promise<GuestInfo[]> {
    const c = this.client;
    const guests: GuestInfo[] = [];
    for (const dom of await c.connectListAllDomains(0)) {
      let meta = this.metadata.get(dom.uuid);
      if (meta === undefined) {
        try {
          meta = parseKumoMetadata(await c.domainGetXMLDesc(dom));
        } catch (err) {
          if (isNoDomain(err)) continue;
          throw err;
        }
        this.metadata.set(dom.uuid, meta);
      }
      if (!meta) continue;
      try {
        const s = await c.domainGetState(dom);
        guests.push({
          instanceId: dom.uuid,
          domainName: dom.name,
          powerState: powerStateOf(s.state),
          detail: `${s.stateName}:${s.reason}`,
          vcpus: meta.flavor.vcpus,
          memoryMb: meta.flavor.memoryMb,
          rootGb: meta.flavor.rootGb,
        });
      } catch (err) {
        if (!isNoDomain(err)) throw err;
      }
    }
    return guests;
  }

  async instancesWithFiles(): Promise<string[]> {
    const names = await readdir(this.opts.instancesPath).catch(() => [] as string[]);
    return names.filter((n) => UUID_RE.test(n));
  }

  private async lookup(instanceId: string): Promise<Domain | null> {
    try {
      return await this.client.domainLookupByUUID(instanceId);
    } catch (err) {
      if (isNoDomain(err)) return null;
      throw err;
    }
  }

  private async mustLookup(instanceId: string): Promise<Domain> {
    const dom = await this.lookup(instanceId);
    if (!dom) throw new GuestNotFound(instanceId);
    return dom;
  }

  async spawn(spec: GuestSpec, { step, signal }: SpawnOptions): Promise<void> {
    const existing = await this.lookup(spec.instanceId);
    if (existing && (await this.client.domainGetState(existing)).state === DomainState.RUNNING) {
      this.log.info({ instanceId: spec.instanceId }, 'the guest runs already (a redelivered build): left as it is');
      return;
    }
    if (existing) await this.destroy(spec.instanceId);
    const checkpoint = () => {
      if (signal?.aborted) throw new BuildAborted();
    };
    const dir = this.instanceDir(spec.instanceId);
    try {
      const base = await step('fetch_image', () => this.images.get(spec.image.id, spec.image.diskFormat));
      checkpoint();
      await step('prepare_disk', async () => {
        await mkdir(dir, { recursive: true, mode: 0o755 });
        const rootBytes = spec.flavor.rootGb * GiB;
        if (spec.flavor.rootGb > 0 && base.virtualSize > rootBytes) throw new FlavorDiskSmallerThanImage(rootBytes, base.virtualSize);
        await this.qemuImg.createOverlay(base.path, join(dir, 'disk'), spec.flavor.rootGb > 0 && rootBytes > base.virtualSize ? rootBytes : undefined);
      });
      checkpoint();
      await step('build_config_drive', () => buildConfigDrive(this.exec, spec, join(dir, 'disk.config')));
      checkpoint();
      const dom = await step('define_domain', () => this.client.domainDefineXML(toDomainXml(this.definition(spec))));
      checkpoint();
      const started = this.waitForEvent(spec.instanceId, [DomainEventType.STARTED], this.opts.startTimeoutMs);
      try {
        await step('start_domain', () => this.client.domainCreate(dom));
      } catch (err) {
        started.cancel();
        throw err;
      }
      await step('wait_for_start', () => started.promise);
      checkpoint();
    } catch (err) {
      await this.destroy(spec.instanceId).catch((e: unknown) => this.log.error({ instanceId: spec.instanceId, err: (e as Error).message }, 'cleanup after a failed build failed'));
      throw err;
    }
  }

  /** The typed definition of a guest (the seam for NICs: the spec's bound ports become `interfaces`). */
  definition(spec: GuestSpec): DomainDefinition {
    const dir = this.instanceDir(spec.instanceId);
    return {
      type: this.virt.type,
      uuid: spec.instanceId,
      name: this.domainName(spec.instanceId),
      memoryMiB: spec.flavor.memoryMb,
      vcpus: spec.flavor.vcpus,
      arch: spec.image.properties.hw_architecture ?? this.arch,
      machine: spec.image.properties.hw_machine_type ?? this.opts.machine,
      hostModelCpu: this.virt.type === 'kvm',
      metadata: {
        instanceId: spec.instanceId,
        name: spec.name,
        createdAt: spec.createdAt,
        flavor: spec.flavor,
        owner: { userId: spec.userId, projectId: spec.projectId },
        imageId: spec.image.id,
        ...shutdownTimeoutOf(spec.image.properties),
      },
      disks: [
        { device: 'disk', file: join(dir, 'disk'), format: 'qcow2', target: 'vda', bus: 'virtio' },
        // an IDE CD-ROM on the pc machine (Debian's cloud kernel has no AHCI for q35's SATA)
        { device: 'cdrom', file: join(dir, 'disk.config'), format: 'raw', target: 'hdd', bus: 'ide', readonly: true },
      ],
      interfaces: [],
      consoleLog: join(dir, 'console.log'),
    };
  }

  private waitForEvent(instanceId: string, types: DomainEventType[], timeoutMs: number): LifecycleWait {
    return waitForLifecycle(this.lv, (id) => this.lookup(id).then(async (dom) => (dom ? (await this.client.domainGetState(dom)).state : null)), instanceId, types, timeoutMs);
  }

  /**
   * Removes the guest: destroy (default flags, as Nova: no ACPI shutdown first; libvirt sends QEMU
   * SIGTERM and returns once the pid is gone, checked every 200 ms, SIGKILL after 10 s), undefine
   * (managed save, snapshot/checkpoint metadata, NVRAM), then the instance directory. Idempotent (a
   * domain shut off or gone is fine); one log line says where the time went (docs/compute-agent.md).
   */
  async destroy(instanceId: string): Promise<void> {
    const t0 = Date.now();
    const dom = await this.lookup(instanceId);
    const ms = { lookup: Date.now() - t0, destroy: 0, undefine: 0, files: 0 };
    let wasActive = false;
    if (dom) {
      let t = Date.now();
      await this.client.domainDestroy(dom).then(
        () => void (wasActive = true),
        (e: unknown) => {
          if (!isOperationInvalid(e) && !isNoDomain(e)) throw e;
        },
      );
      ms.destroy = Date.now() - t;
      t = Date.now();
      await this.client
        .domainUndefine(dom, DomainUndefineFlags.MANAGED_SAVE | DomainUndefineFlags.SNAPSHOTS_METADATA | DomainUndefineFlags.NVRAM | DomainUndefineFlags.CHECKPOINTS_METADATA)
        .catch((e: unknown) => {
          if (!isNoDomain(e)) throw e;
        });
      ms.undefine = Date.now() - t;
    }
    this.metadata.delete(instanceId);
    const t = Date.now();
    await rm(this.instanceDir(instanceId), { recursive: true, force: true });
    ms.files = Date.now() - t;
    this.log.info({ instanceId, domain: dom !== null, wasActive, ms, totalMs: Date.now() - t0 }, 'guest removed');
  }

  async powerState(instanceId: string): Promise<GuestPowerState> {
    return powerStateOf((await this.client.domainGetState(await this.mustLookup(instanceId))).state);
  }

  private async state(dom: Domain): Promise<DomainState> {
    return (await this.client.domainGetState(dom)).state;
  }

  async power(instanceId: string, op: PowerOperation): Promise<GuestPowerState> {
    const dom = await this.mustLookup(instanceId);
    const c = this.client;
    const state = await this.state(dom);
    const active = state !== DomainState.SHUTOFF && state !== DomainState.CRASHED && state !== DomainState.NOSTATE;
    switch (op) {
      case 'start':
        if (!active) await this.startAndWait(instanceId, dom);
        break;
      case 'stop':
        if (active) await this.cleanShutdown(instanceId, dom, await this.shutdownTimeoutMs(dom));
        break;
      case 'reboot_hard':
        await this.hardReboot(instanceId, dom, active);
        break;
      case 'reboot_soft':
        // Nova's soft reboot: an ACPI shutdown, then a start; a guest that ignores ACPI is rebooted hard
        // (after wait_soft_reboot_seconds, or the image's os_shutdown_timeout when that is shorter)
        if (state === DomainState.RUNNING && (await this.shutdownWithin(instanceId, dom, Math.min(this.opts.softRebootWaitMs, await this.shutdownTimeoutMs(dom, this.opts.softRebootWaitMs))))) {
          await this.startAndWait(instanceId, dom);
        } else {
          this.log.info({ instanceId }, 'the guest did not power off for a soft reboot: rebooting it hard');
          await this.hardReboot(instanceId, dom, await this.isActive(dom));
        }
        break;
      case 'pause':
        if (state === DomainState.RUNNING) await c.domainSuspend(dom);
        break;
      case 'suspend':
        // Nova's suspend: a managed save (memory to disk, the domain shut off; the next start restores it)
        if (state === DomainState.RUNNING || state === DomainState.PAUSED) await domainManagedSave(c, dom);
        break;
      case 'unpause':
        if (state === DomainState.PAUSED) await c.domainResume(dom);
        break;
      case 'resume':
        if (state === DomainState.PAUSED) await c.domainResume(dom);
        else if (!active) await this.startAndWait(instanceId, dom);
        break;
    }
    return powerStateOf(await this.state(dom));
  }

  private async shutdownTimeoutMs(dom: Domain, fallbackMs = this.opts.shutdownTimeoutMs): Promise<number> {
    let meta = this.metadata.get(dom.uuid);
    if (meta === undefined) {
      meta = parseKumoMetadata(await this.client.domainGetXMLDesc(dom));
      this.metadata.set(dom.uuid, meta);
    }
    return meta?.shutdownTimeout !== undefined ? meta.shutdownTimeout * 1000 : fallbackMs;
  }

  private async isActive(dom: Domain): Promise<boolean> {
    const s = await this.state(dom);
    return s !== DomainState.SHUTOFF && s !== DomainState.CRASHED;
  }

  private async startAndWait(instanceId: string, dom: Domain): Promise<void> {
    const started = this.waitForEvent(instanceId, [DomainEventType.STARTED], this.opts.startTimeoutMs);
    try {
      await this.client.domainCreate(dom);
    } catch (err) {
      started.cancel();
      throw err;
    }
    await started.promise;
  }

  private async hardReboot(instanceId: string, dom: Domain, active: boolean): Promise<void> {
    if (active) {
      await this.client.domainDestroy(dom).catch((e: unknown) => {
        if (!isOperationInvalid(e)) throw e;
      });
    }
    await this.startAndWait(instanceId, dom);
  }

  /** ACPI shutdown; true when the guest powered off within `ms`. */
  private async shutdownWithin(instanceId: string, dom: Domain, ms: number): Promise<boolean> {
    const stopped = this.waitForEvent(instanceId, [DomainEventType.STOPPED], ms);
    try {
      await this.client.domainShutdown(dom);
    } catch (err) {
      stopped.cancel();
      if (isOperationInvalid(err)) return !(await this.isActive(dom));
      throw err;
    }
    return stopped.promise.then(
      () => true,
      () => false,
    );
  }

  /** Nova's clean shutdown: ACPI, then destroy when the guest ignores it for `ms`. */
  private async cleanShutdown(instanceId: string, dom: Domain, ms: number): Promise<void> {
    if (ms > 0 && (await this.state(dom)) === DomainState.RUNNING && (await this.shutdownWithin(instanceId, dom, ms))) return;
    if (ms > 0) this.log.info({ instanceId, timeoutMs: ms }, 'the guest did not power off on ACPI: destroying it');
    await this.client.domainDestroy(dom).catch((e: unknown) => {
      if (!isOperationInvalid(e)) throw e;
    });
  }

  async consoleOutput(instanceId: string, lines?: number): Promise<string> {
    const file = join(this.instanceDir(instanceId), 'console.log');
    let text: string;
    try {
      text = await readTail(file, MAX_CONSOLE_BYTES);
    } catch {
      await this.mustLookup(instanceId);
      return '';
    }
    if (lines === undefined) return text;
    const all = text.split('\n');
    const trailing = all.length > 0 && all[all.length - 1] === '' ? 1 : 0;
    return all.slice(Math.max(0, all.length - trailing - lines)).join('\n');
  }

  async snapshot(instanceId: string, target: SnapshotTarget): Promise<void> {
    const dom = await this.mustLookup(instanceId);
    const dir = this.instanceDir(instanceId);
    const out = join(dir, `snapshot-${Date.now()}.qcow2`);
    // a crash-consistent copy: the guest is paused while its disk is read
    const pause = (await this.state(dom)) === DomainState.RUNNING;
    try {
      if (pause) await this.client.domainSuspend(dom);
      try {
        await this.qemuImg.convertToQcow2(join(dir, 'disk'), 'qcow2', out);
      } finally {
        if (pause) await this.client.domainResume(dom);
      }
      await target.onUploading?.();
      await target.upload(out);
    } finally {
      await rm(out, { force: true });
    }
  }

  async serialConsole(instanceId: string): Promise<{ libvirtUri: string; domainName: string; device: string | null }> {
    const dom = await this.mustLookup(instanceId);
    return { libvirtUri: this.opts.uri, domainName: dom.name, device: null };
  }

  onGuestChange(listener: (instanceId: string) => void): () => void {
    const onEvent = (e: { domain: Domain; event: DomainEventType }) => {
      if (e.event !== DomainEventType.DEFINED && e.event !== DomainEventType.UNDEFINED) listener(e.domain.uuid);
    };
    this.lv.on('lifecycle', onEvent);
    return () => void this.lv.off('lifecycle', onEvent);
  }

  /** Nova's image cache manager over <instances>/_base (image-cache-manager.ts). */
  override manageImageCache(o: { removeUnused: boolean; minAgeSeconds: number }): Promise<ImageCacheReport> {
    return manageImageCache({ instancesPath: this.opts.instancesPath, ...o, busy: () => this.images.busy() });
  }

  async close(): Promise<void> {
    await this.lv?.stop();
  }
}
