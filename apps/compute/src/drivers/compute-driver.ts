// The compute driver: the machine work of one hypervisor host behind one abstract class (the agent
// calls it; LibvirtDriver implements it). Drivers import no database, RPC or Nest: what they need
// of an instance comes as a GuestSpec, what they learn goes back as plain values or typed errors.
import { Conflict, KumoError, NotFound } from '@kumo/common/core';

/** Nova's power states (OS-EXT-STS:power_state): NOSTATE 0, RUNNING 1, PAUSED 3, SHUTDOWN 4, CRASHED 6, SUSPENDED 7. */
export type GuestPowerState = 0 | 1 | 3 | 4 | 6 | 7;
export const GUEST_POWER = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;

/** What the driver needs of an instance to build it (the agent maps the RPC's instance spec onto it). */
export interface GuestSpec {
  instanceId: string;
  name: string;
  hostname: string;
  projectId: string;
  userId: string;
  launchIndex: number;
  availabilityZone: string | null;
  flavor: { id: string; name: string; vcpus: number; memoryMb: number; rootGb: number; ephemeralGb: number; swapMb: number };
  image: {
    id: string;
    name: string | null;
    diskFormat: string | null;
    size: number | null;
    minDisk: number;
    properties: Record<string, string>;
  };
  keyPair: { name: string; publicKey: string; type: string } | null;
  /** base64, as the API received it */
  userData: string | null;
  metadata: Record<string, string>;
  /** The admin password for the config drive's `admin_pass`; null or absent: none. */
  adminPass?: string | null;
  createdAt: string;
}

/** Facts about this host for the scheduler (`os-hypervisors`). */
export interface HostFacts {
  hypervisorHostname: string;
  hypervisorType: string;
  /** QEMU's version as Nova encodes it: major * 1,000,000 + minor * 1,000 + micro */
  hypervisorVersion: number;
  virtType: 'kvm' | 'qemu';
  virtTypeReason: string;
  cpuInfo: string;
  vcpus: number;
  memoryMb: number;
  /** size of the file system of the instances directory, GiB */
  localGb: number;
  freeDiskGb: number;
}

/** A guest this driver has on the host (a domain carrying Kumo's instance metadata). */
export interface GuestInfo {
  instanceId: string;
  domainName: string;
  powerState: GuestPowerState;
  /** libvirt's state name and reason, e.g. `SHUTOFF:SHUTDOWN`, for logs */
  detail: string;
  vcpus: number;
  memoryMb: number;
  /** the flavor's root disk the guest was built with, GiB (0 when unknown) */
  rootGb: number;
}

/**
 * A step of a build or an action, run through the caller's step runner (the agent reports each
 * one as an instance-action event and names the failed one in the fault).
 */
export type StepRunner = <T>(name: BuildStep, fn: () => Promise<T>) => Promise<T>;
export type BuildStep = 'fetch_image' | 'prepare_disk' | 'build_config_drive' | 'define_domain' | 'start_domain' | 'wait_for_start';

export interface SpawnOptions {
  step: StepRunner;
  /** Aborted when the build timed out or was cancelled: spawn stops at the next step and cleans up. */
  signal?: AbortSignal;
}

export type PowerOperation = 'start' | 'stop' | 'reboot_soft' | 'reboot_hard' | 'pause' | 'unpause' | 'suspend' | 'resume';

export interface SnapshotTarget {
  /** Receives the snapshot file (qcow2) once it is written; the driver removes it afterwards. */
  upload(path: string): Promise<void>;
  /** Called when the disk has been read and the upload starts (image_snapshot → image_uploading). */
  onUploading?(): Promise<void>;
}

/** What one pass of an image cache manager found (image ids). */
export interface ImageCacheReport {
  /** backed onto by a guest's disk (kept, their age restarted) */
  inUse: string[];
  /** removed (and partial fetches, by file name) */
  removed: string[];
  /** unused, kept: younger than the minimum age, just used by a build, or removal is off */
  kept: string[];
}

/** The guest does not exist on this host. */
export class GuestNotFound extends NotFound {
  constructor(readonly instanceId: string) {
    super(`Instance ${instanceId} could not be found on this host.`);
  }
}

/** The flavor's root disk is smaller than the image's virtual size (Nova's FlavorDiskSmallerThanImage). */
export class FlavorDiskSmallerThanImage extends KumoError {
  override readonly status = 400;
  constructor(flavorBytes: number, imageBytes: number) {
    super(`Flavor's disk is too small for requested image. Flavor disk is ${flavorBytes} bytes, image is ${imageBytes} bytes.`);
  }
}

/** An image whose data the host refuses (a backing file, a format other than it declares, unreadable). */
export class ImageUnacceptable extends KumoError {
  override readonly status = 400;
  constructor(imageId: string, reason: string) {
    super(`Image ${imageId} is unacceptable: ${reason}`);
  }
}

/** The operation does not apply to the guest in its current state (e.g. unpause a running guest). */
export class GuestStateConflict extends Conflict {}

export interface DriverCapabilities {
  snapshot: boolean;
  serialConsole: boolean;
  attachVolume: boolean;
}

/** Machine work of a hypervisor host. */
export abstract class ComputeDriver {
  abstract readonly name: string;
  abstract readonly capabilities: DriverCapabilities;

  /** Connects to the hypervisor and decides its facts (KVM or TCG); called once at agent start. */
  abstract init(): Promise<void>;

  /** Host facts, measured now (the disk's free space changes as guests write). */
  abstract hostFacts(): Promise<HostFacts>;

  /** Every guest of this driver on the host, with its power state. */
  abstract listGuests(): Promise<GuestInfo[]>;

  /** Instances that have files on this host (a disk, a console log), with or without a guest. */
  abstract instancesWithFiles(): Promise<string[]>;

  /**
   * Fetches the image (once per host), prepares the root disk and config drive, defines and starts
   * the guest and waits until it runs. A guest that already runs is left as it is (a redelivered
   * build). On any failure, and when `signal` aborts, it leaves no domain, disk or config drive
   * behind and throws the failed step's error (libvirt's own message kept).
   */
  abstract spawn(spec: GuestSpec, opts: SpawnOptions): Promise<void>;

  /** Stops and removes the guest with every file of it. Succeeds when it is already gone (idempotent). */
  abstract destroy(instanceId: string): Promise<void>;

  /** Applies a power operation and returns the power state reached; throws GuestNotFound. */
  abstract power(instanceId: string, op: PowerOperation): Promise<GuestPowerState>;

  /** The power state now; throws GuestNotFound. */
  abstract powerState(instanceId: string): Promise<GuestPowerState>;

  /** The last `lines` lines of the guest's serial console log (all when absent); throws GuestNotFound. */
  abstract consoleOutput(instanceId: string, lines?: number): Promise<string>;

  /** Writes a qcow2 copy of the root disk (no backing file) and hands it to `target.upload`; throws GuestNotFound. */
  abstract snapshot(instanceId: string, target: SnapshotTarget): Promise<void>;

  /** Where the console proxy reaches the guest's serial console. */
  abstract serialConsole(instanceId: string): Promise<{ libvirtUri: string; domainName: string; device: string | null }>;

  /**
   * Calls `listener` with the instance id whenever the hypervisor says a guest changed state
   * (started, stopped, paused, crashed ...) — whoever caused it. Returns the unsubscribe function.
   */
  abstract onGuestChange(listener: (instanceId: string) => void): () => void;

  /**
   * One pass of the host's image cache manager (Nova's remove_unused_base_images): a cached image
   * no guest's disk backs onto any more is removed once unused for `minAgeSeconds`; an image a
   * guest's disk still backs onto is never removed. A driver without an image cache has no such method.
   */
  manageImageCache?(o: { removeUnused: boolean; minAgeSeconds: number }): Promise<ImageCacheReport>;

  /** Closes the hypervisor connection. */
  abstract close(): Promise<void>;
}
