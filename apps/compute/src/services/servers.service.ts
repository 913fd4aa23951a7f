import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { currentContext, Logger, newRequestId, RequestContext, ServiceUnavailable } from '@kumo/common';
import type { AuthContext } from '@kumo/auth';
import type { Messaging } from '@kumo/messaging';
import { ImageService, ImageServiceError } from '../clients/images';
import { COMPUTE_CONFIG, ComputeConfig } from '../config';
import type { InstanceEntity, InstanceFaultEntity } from '../db/entities/instance.entity';
import { ComputeNodeRepository } from '../db/repositories/compute-node.repository';
import { FlavorRepository } from '../db/repositories/flavor.repository';
import { InstanceActionRepository } from '../db/repositories/instance-action.repository';
import { InstanceRepository, NewInstance } from '../db/repositories/instance.repository';
import { KeyPairRepository } from '../db/repositories/key-pair.repository';
import { computeAgent, computeScheduler } from '../rpc';
import { ComputePolicy, isAdmin } from './compute-policy';
import { MarkerNotFound } from './errors';
import { QuotasService } from './quotas.service';
import {
  AvailabilityZoneNotAvailable,
  FlavorDiskTooSmall,
  FlavorMemoryTooSmall,
  FlavorNotFoundForServer,
  ImageNotActiveForServer,
  ImageNotFoundForServer,
  InstanceNotFound,
  InvalidKeyName,
  MetadataLimitExceeded,
  QuotaExceeded,
} from './server-errors';
import { ServerNotifier } from './server-notifier';
import { generatePassword } from './passwords';
import { vmStatesForStatus } from './server-states';

export const COMPUTE_BUS = Symbol('COMPUTE_BUS');
export const COMPUTE_LOGGER = Symbol('COMPUTE_LOGGER');
const GiB = 1024 ** 3;

/** A create request, as the API validated it. */
export interface ServerCreateRequest {
  name: string;
  imageRef: string;
  flavorRef: string;
  keyName?: string;
  userData?: string;
  metadata: Record<string, string>;
  availabilityZone?: string;
  configDrive: boolean;
  minCount: number;
  maxCount: number;
  networks: 'none' | 'auto' | Array<{ networkId?: string; portId?: string; fixedIp?: string }>;
  securityGroups: string[];
  accessIPv4?: string;
  accessIPv6?: string;
  diskConfig: 'AUTO' | 'MANUAL';
  /** The admin password asked for; absent: one is generated (Nova's _get_server_admin_password). */
  adminPass?: string;
}

export interface ServerListRequest {
  name?: string;
  status?: string;
  image?: string;
  flavor?: string;
  host?: string;
  allTenants: boolean;
  projectId?: string;
  changesSince?: Date;
  limit?: number;
  marker?: string;
  /** Regular expressions an IPv4 / IPv6 fixed address must match from its start (Nova's `ip`, `ip6`). */
  ip?: string;
  ip6?: string;
}

/**
 * A server's fixed addresses by IP version: none until the network service binds ports to servers
 * (the view's `addresses` is empty for the same reason).
 */
export function fixedAddresses(_i: InstanceEntity): Array<{ version: 4 | 6; address: string }> {
  return [];
}

/** Nova's _ip_filter: a server matches when one of its fixed addresses matches the regex of its version (re.match: from the start). */
export function matchesIpFilter(addresses: Array<{ version: 4 | 6; address: string }>, ip?: string, ip6?: string): boolean {
  const v4 = ip === undefined ? undefined : new RegExp(`^(?:${ip})`);
  const v6 = ip6 === undefined ? undefined : new RegExp(`^(?:${ip6})`);
  return addresses.some((a) => (a.version === 4 ? !!v4?.test(a.address) : !!v6?.test(a.address)));
}

/** What a view needs of a server. */
export interface ServerRecord {
  instance: InstanceEntity;
  metadata: Record<string, string>;
  fault?: InstanceFaultEntity;
}

/** How long a create waits for the broker to take its scheduling request (the bus lost mid-request) before its servers go to ERROR. */
const SCHEDULE_CAST_TIMEOUT_MS = 15_000;
const BUS_DOWN_MESSAGE = 'The compute scheduler cannot be reached: the message bus (RabbitMQ) is unreachable. No server was created; retry once it is back.';

/** How long a DELETE waits for the broker to take the terminate (the bus lost mid-request) before answering 503. */
const DELETE_CAST_TIMEOUT_MS = 15_000;

/** The request's context (request id, caller) for casts and records; a fresh request id outside a request. */
export function requestContext(): RequestContext {
  return currentContext() ?? { requestId: newRequestId() };
}

/** Nova's sanitize_hostname: lower case, [a-z0-9-] only, at most 63 characters, no leading/trailing '-' or '.'. */
export function sanitizeHostname(name: string): string {
  const h = name
    .toLowerCase()
    .replace(/[ _]/g, '-')
    .replace(/[^a-z0-9.-]/g, '')
    .slice(0, 63)
    .replace(/^[.-]+|[.-]+$/g, '');
  return h || 'server';
}

/** Servers: Nova's ServersController create/index/detail/show/update/delete. */
@Injectable()
export class ServersService {
  readonly notifier: ServerNotifier;

  constructor(
    readonly instances: InstanceRepository,
    private readonly actions: InstanceActionRepository,
    private readonly nodes: ComputeNodeRepository,
    private readonly flavors: FlavorRepository,
    private readonly keyPairs: KeyPairRepository,
    private readonly quotas: QuotasService,
    private readonly images: ImageService,
    private readonly policy: ComputePolicy,
    @Inject(COMPUTE_CONFIG) private readonly config: ComputeConfig,
    @Inject(COMPUTE_BUS) private readonly bus: Messaging,
    @Inject(COMPUTE_LOGGER) private readonly log: Logger,
    notifier: ServerNotifier,
  ) {
    this.notifier = notifier;
  }

  /** The zones servers may ask for: every host's (or the default one's). */
  async availabilityZones(): Promise<Set<string>> {
    const zones = new Set([this.config.compute.scheduler.default_availability_zone]);
    for (const { node } of await this.nodes.hosts()) if (node.availabilityZone) zones.add(node.availabilityZone);
    return zones;
  }

  /**
   * The admin password (the one asked for, else a generated one) goes to the agent with the build
   * (for the config drive's `admin_pass`), never into the database; the create answers it unless
   * `enable_instance_password` is off.
   */
  async create(auth: AuthContext, req: ServerCreateRequest): Promise<{ instances: InstanceEntity[]; adminPass?: string }> {
    this.policy.enforce('os_compute_api:servers:create', auth, { project_id: auth.projectId });
    const projectId = auth.projectId!;
    // the reads are independent: asked at once, their answers checked in Nova's order (a failure
    // of one that is not reached yet is ignored, as it would not have been asked)
    const quiet = <T>(p: Promise<T>): Promise<T> => {
      p.catch(() => undefined);
      return p;
    };
    const flavorRead = quiet(this.flavors.findWithExtraSpecs(req.flavorRef, { admin: isAdmin(auth), projectId }));
    const imageRead = quiet(this.images.show(auth, req.imageRef));
    const keyRead = quiet(req.keyName !== undefined ? this.keyPairs.find(auth.userId, req.keyName) : Promise.resolve(null));
    const limitsRead = quiet(this.quotas.projectAndUserLimits(projectId, auth.userId));
    const found = await flavorRead;
    if (!found) throw new FlavorNotFoundForServer(req.flavorRef);
    const { flavor, extraSpecs } = found;
    let image;
    try {
      image = await imageRead;
    } catch (err) {
      if (err instanceof ImageServiceError) throw new ServiceUnavailable(`The image service could not be reached: ${err.message}`);
      throw err;
    }
    if (!image) throw new ImageNotFoundForServer(req.imageRef);
    if (image.status !== 'active') throw new ImageNotActiveForServer(req.imageRef);
    if (flavor.memoryMb < image.min_ram) throw new FlavorMemoryTooSmall();
    if (flavor.rootGb > 0) {
      if (image.min_disk > flavor.rootGb) throw new FlavorDiskTooSmall(flavor.rootGb * GiB, 'minimum size', image.min_disk * GiB);
      if (image.size !== null && image.size > flavor.rootGb * GiB) throw new FlavorDiskTooSmall(flavor.rootGb * GiB, 'image', image.size);
    }
    let keyData: string | null = null;
    let keyType: string | null = null;
    if (req.keyName !== undefined) {
      const kp = await keyRead;
      if (!kp) throw new InvalidKeyName();
      keyData = kp.publicKey;
      keyType = kp.type;
    }
    // the project's limits and the user's own, in one read
    const { project: limits, user: userLimits } = await limitsRead;
    const mdCount = Object.keys(req.metadata).length;
    if (limits.metadata_items >= 0 && mdCount > limits.metadata_items) throw new MetadataLimitExceeded(limits.metadata_items);
    if (req.availabilityZone !== undefined && !(await this.availabilityZones()).has(req.availabilityZone)) throw new AvailabilityZoneNotAvailable();
    const reservationId = `r-${randomBytes(4).toString('hex')}`;
    const rows: NewInstance[] = [];
    for (let n = 0; n < req.maxCount; n++) {
      const name = req.maxCount > 1 ? `${req.name}-${n + 1}` : req.name;
      rows.push({
        uuid: randomUUID(),
        projectId,
        userId: auth.userId,
        name,
        hostname: sanitizeHostname(name),
        reservationId,
        launchIndex: n,
        vmState: 'building',
        taskState: 'scheduling',
        powerState: 0,
        host: null,
        node: null,
        availabilityZone: req.availabilityZone ?? null,
        imageRef: image.id,
        flavorid: flavor.flavorid,
        vcpus: flavor.vcpus,
        memoryMb: flavor.memoryMb,
        rootGb: flavor.rootGb,
        ephemeralGb: flavor.ephemeralGb,
        swapMb: flavor.swap,
        flavor: { id: flavor.flavorid, name: flavor.name, vcpus: flavor.vcpus, memoryMb: flavor.memoryMb, rootGb: flavor.rootGb, ephemeralGb: flavor.ephemeralGb, swapMb: flavor.swap },
        keyName: req.keyName ?? null,
        keyData,
        userData: req.userData ?? null,
        configDrive: req.configDrive,
        diskConfig: req.diskConfig,
        accessIpV4: req.accessIPv4 ?? null,
        accessIpV6: req.accessIPv6 ?? null,
        networks: req.networks,
        securityGroups: req.securityGroups,
        requestSpec: {
          image: {
            id: image.id,
            name: image.name,
            diskFormat: image.disk_format,
            containerFormat: image.container_format,
            size: image.size,
            checksum: image.checksum,
            osHashAlgo: image.os_hash_algo,
            osHashValue: image.os_hash_value,
            minDisk: image.min_disk,
            minRam: image.min_ram,
            properties: image.properties,
          },
          flavorExtraSpecs: extraSpecs,
          keyType,
        },
      });
    }
    const adminPass = req.adminPass ?? generatePassword(this.config.compute.password_length);
    // the scheduler is reached over the bus: while it is down nothing is created (Nova answers 500 here)
    if (!this.bus.connected) throw new ServiceUnavailable(BUS_DOWN_MESSAGE);
    const ctx = requestContext();
    const r = await this.instances.createWithinQuota(rows, req.minCount, req.metadata, { project: { instances: limits.instances, cores: limits.cores, ram: limits.ram }, user: { instances: userLimits.instances, cores: userLimits.cores, ram: userLimits.ram } }, { requestId: ctx.requestId });
    if (!r.ok) throw new QuotaExceeded(r.resource, r.requested, r.used, r.limit);
    for (const i of r.instances) await this.notifier.notify(ctx, i, 'create', 'start', req.metadata);
    try {
      await this.bus.rpc(computeScheduler).cast(ctx, 'scheduleInstances', { instanceIds: r.instances.map((i) => i.uuid), adminPass }, { timeoutMs: SCHEDULE_CAST_TIMEOUT_MS });
    } catch (err) {
      // never silently lost: the servers say why they will not build
      const message = `Build request could not reach the scheduler: ${(err as Error).message}`;
      for (const i of r.instances) {
        if (await this.instances.transition(i.uuid, ['scheduling'], { vmState: 'error', taskState: null })) await this.instances.addFault(i.uuid, { code: 500, message, details: message, host: null });
      }
      this.log.error({ err: (err as Error).message }, message);
    }
    return { instances: r.instances, adminPass: this.config.compute.enable_instance_password ? adminPass : undefined };
  }

  /** The server if the caller may see it (their project's, or any for an admin); else InstanceNotFound. */
  async find(auth: AuthContext, id: string, action = 'show'): Promise<InstanceEntity> {
    const inst = /^[0-9a-f-]{36}$/i.test(id) ? await this.instances.find(id.toLowerCase()) : null;
    if (!inst || (!isAdmin(auth) && inst.projectId !== auth.projectId)) throw new InstanceNotFound(id);
    this.policy.enforce(`os_compute_api:servers:${action}`, auth, { project_id: inst.projectId });
    return inst;
  }

  async records(instances: InstanceEntity[]): Promise<ServerRecord[]> {
    const [metadata, faults] = await Promise.all([this.instances.metadataOf(instances.map((i) => i.id)), this.instances.latestFaults(instances.filter((i) => i.vmState === 'error' || i.deleted).map((i) => i.uuid))]);
    return instances.map((instance) => ({ instance, metadata: metadata.get(instance.id) ?? {}, fault: faults.get(instance.uuid) }));
  }

  async get(auth: AuthContext, id: string): Promise<ServerRecord> {
    return (await this.records([await this.find(auth, id)]))[0];
  }

  async list(auth: AuthContext, req: ServerListRequest, detail: boolean): Promise<{ servers: ServerRecord[]; limit: number }> {
    this.policy.enforce(detail ? 'os_compute_api:servers:detail' : 'os_compute_api:servers:index', auth, { project_id: auth.projectId });
    const admin = isAdmin(auth);
    if (req.allTenants) this.policy.enforce('os_compute_api:servers:index:get_all_tenants', auth);
    const limit = Math.min(this.config.compute.max_limit, req.limit ?? this.config.compute.max_limit);
    const states = req.status !== undefined ? vmStatesForStatus(req.status) : undefined;
    const projectId = admin && req.allTenants ? req.projectId : admin && req.projectId !== undefined ? req.projectId : auth.projectId;
    const instances = await this.instances.list({
      projectId,
      name: req.name,
      vmStates: states?.vmStates,
      taskStates: states?.taskStates,
      imageRef: req.image,
      flavorid: req.flavor,
      host: admin ? req.host : undefined,
      changesSince: req.changesSince,
      limit,
      marker: req.marker,
    });
    if (!instances) throw new MarkerNotFound(req.marker!);
    const found = req.ip !== undefined || req.ip6 !== undefined ? instances.filter((i) => matchesIpFilter(fixedAddresses(i), req.ip, req.ip6)) : instances;
    return { servers: detail ? await this.records(found) : found.map((instance) => ({ instance, metadata: {} })), limit };
  }

  async update(auth: AuthContext, id: string, patch: { name?: string; accessIPv4?: string; accessIPv6?: string; diskConfig?: 'AUTO' | 'MANUAL' }): Promise<ServerRecord> {
    const inst = await this.find(auth, id, 'update');
    const set: Partial<InstanceEntity> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.accessIPv4 !== undefined) set.accessIpV4 = patch.accessIPv4 || null;
    if (patch.accessIPv6 !== undefined) set.accessIpV6 = patch.accessIPv6 || null;
    if (patch.diskConfig !== undefined) set.diskConfig = patch.diskConfig;
    if (Object.keys(set).length) await this.instances.transition(inst.uuid, undefined, set);
    return this.get(auth, inst.uuid);
  }

  /** Whether a host's agent can take work: its nova-compute service is up and enabled. */
  async hostAvailable(host: string): Promise<boolean> {
    const [svc] = await this.nodes.listServices({ host, binary: 'nova-compute' });
    if (!svc?.lastSeenUp || svc.disabled || svc.forcedDown) return false;
    return Date.now() - svc.lastSeenUp.getTime() <= this.config.compute.scheduler.service_down_time * 1000;
  }

  /**
   * DELETE (204 at once): task_state deleting and a terminate cast to the host, whose agent
   * destroys the guest and reports it gone (the conductor then deletes the row, its quota and
   * claim: GET answers 404). A server with no host, or on a host that is down, disabled or forced
   * down, is deleted here at once (Nova's local delete; the agent removes the guest when it is
   * back). The action row, delete.start and the host's liveness go in parallel, all before the cast
   * (so delete.start is on the bus before the agent's delete.end).
   */
  async delete(auth: AuthContext, id: string): Promise<void> {
    const inst = await this.find(auth, id, 'delete');
    const ctx = requestContext();
    const [, , available] = await Promise.all([
      this.actions.start({ instanceUuid: inst.uuid, requestId: ctx.requestId, action: 'delete', userId: auth.userId, projectId: auth.projectId ?? null }),
      this.notifier.notify(ctx, inst, 'delete', 'start'),
      inst.host === null ? false : this.hostAvailable(inst.host),
    ]);
    if (inst.host === null || !available) {
      const gone = await this.instances.destroy(inst.uuid);
      await this.actions.finishDeletes(inst.uuid, new Date());
      if (gone) await this.notifier.notify(ctx, { ...gone, vmState: 'deleted', taskState: null, deleted: true }, 'delete', 'end');
      return;
    }
    // deleted meanwhile (another DELETE's terminate finished): nothing to cast
    if (!(await this.instances.transition(inst.uuid, undefined, { taskState: 'deleting' }))) return;
    try {
      await this.bus.rpc(computeAgent).cast(ctx, 'terminateInstance', { instanceId: inst.uuid }, { server: inst.host, timeoutMs: DELETE_CAST_TIMEOUT_MS });
    } catch (err) {
      // the bus lost: the server is not left 'deleting' with nobody deleting it
      await this.instances.transition(inst.uuid, ['deleting'], { taskState: inst.taskState === 'deleting' ? null : inst.taskState });
      await this.actions.finish(inst.uuid, ctx.requestId, 'Error', new Date());
      this.log.warn({ instanceId: inst.uuid, host: inst.host, err: (err as Error).message }, 'terminate not cast');
      throw new ServiceUnavailable(`The compute agent of host ${inst.host} cannot be reached: the message bus (RabbitMQ) is unreachable. The server was not deleted; retry once it is back.`);
    }
  }
}
