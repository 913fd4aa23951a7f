import { createHash } from 'node:crypto';
import type { InstanceEntity, InstanceFaultEntity } from '../db/entities/instance.entity';
import { ComputeLinks } from './links';

export { ComputeLinks };
import { serverStatus } from '../services/server-states';

/** The request's microversion as the view needs it (api/microversion.ts ApiVersion is one). */
export interface ViewVersion {
  atLeast(version: string): boolean;
}

/**
 * The server as Nova shows it (nova/api/openstack/compute/views/servers.py; Tempest's schemas are
 * closed: API-SURFACE.md §2.3), per microversion up to 2.6: only 2.3 changes it. Shared by the API
 * and by the conductor's notifications (the dashboard gets the same shape, at 2.1), so it lives
 * outside api/.
 */
export interface ServerViewInput {
  instance: InstanceEntity;
  metadata: Record<string, string>;
  fault?: InstanceFaultEntity;
  /** Admins see OS-EXT-SRV-ATTR:* and a 500 fault's details. */
  admin: boolean;
  /** The request's microversion; absent: 2.1 (the notifications). */
  version?: ViewVersion;
  /**
   * PUT /servers/{id}'s answer below 2.75 (Nova's update passes show_AZ, show_config_drive,
   * show_keypair, show_srv_usg, show_sec_grp, show_extended_status, show_extended_volumes and
   * show_extended_attr all False): the base fields, fault and progress only.
   */
  brief?: boolean;
}

/**
 * The guest's root disk as the libvirt driver defines it (drivers/libvirt/libvirt.driver.ts: a
 * virtio disk `vda`), for `OS-EXT-SRV-ATTR:root_device_name` (2.3). Nova's compute host sets it
 * when it takes the build, so it is null while the server is still being scheduled.
 */
export const ROOT_DEVICE_NAME = '/dev/vda';

/** Nova's instance.root_device_name: set once a host took the build. */
export function rootDeviceName(i: InstanceEntity): string | null {
  return i.host === null || (i.vmState === 'building' && i.taskState === 'scheduling') ? null : ROOT_DEVICE_NAME;
}

/** Nova's time format for created/updated: `2013-09-03T04:01:32Z`. */
export function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** Nova's launched_at/terminated_at: `2013-09-23T13:53:12.000000` (no zone), null when unset. */
export function isoMicros(d: Date | null): string | null {
  return d === null ? null : `${d.toISOString().slice(0, 23)}000`;
}

/** Nova's hostId: sha224 of project id + host, "" without a host (hides the host's name from users). */
export function hostId(projectId: string, host: string | null): string {
  return host ? createHash('sha224').update(projectId + host).digest('hex') : '';
}

/** The libvirt domain's name (CONVENTIONS.md: one helper maps ids to backend names). */
export function instanceName(uuid: string): string {
  return `instance-${uuid}`;
}

const PROGRESS_STATUSES = new Set(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING']);

/** `{id, name, links}`: an item of GET /servers. */
export function serverBasicView(links: ComputeLinks, i: InstanceEntity): Record<string, unknown> {
  return { id: i.uuid, name: i.name, links: links.resource('servers', i.uuid) };
}

export function serverView(links: ComputeLinks, v: ServerViewInput): Record<string, unknown> {
  const i = v.instance;
  const status = serverStatus(i.vmState, i.taskState);
  const bookmark = (collection: string, id: string) => [links.resource(collection, id)[1]];
  const out: Record<string, unknown> = {
    id: i.uuid,
    name: i.name,
    status,
    tenant_id: i.projectId,
    user_id: i.userId,
    metadata: v.metadata,
    hostId: hostId(i.projectId, i.host),
    image: i.imageRef ? { id: i.imageRef, links: bookmark('images', i.imageRef) } : '',
    flavor: { id: i.flavorid, links: bookmark('flavors', i.flavorid) },
    created: isoSeconds(i.createdAt),
    updated: isoSeconds(i.updatedAt),
    addresses: {},
    accessIPv4: i.accessIpV4 ?? '',
    accessIPv6: i.accessIpV6 ?? '',
    links: links.resource('servers', i.uuid),
    'OS-DCF:diskConfig': i.diskConfig,
  };
  if (PROGRESS_STATUSES.has(status)) out.progress = i.progress;
  if (v.fault && (status === 'ERROR' || status === 'DELETED')) {
    const f: Record<string, unknown> = { code: v.fault.code, created: isoSeconds(v.fault.createdAt), message: v.fault.message };
    if (v.admin || v.fault.code !== 500) f.details = v.fault.details;
    out.fault = f;
  }
  if (v.brief) return out;
  Object.assign(out, {
    'OS-EXT-AZ:availability_zone': i.availabilityZone ?? '',
    config_drive: i.configDrive ? 'True' : '',
    key_name: i.keyName,
    'OS-SRV-USG:launched_at': isoMicros(i.launchedAt),
    'OS-SRV-USG:terminated_at': isoMicros(i.terminatedAt),
    'OS-EXT-STS:task_state': i.taskState,
    'OS-EXT-STS:vm_state': i.vmState,
    'OS-EXT-STS:power_state': i.powerState,
    'os-extended-volumes:volumes_attached': [],
  });
  if (i.vmState !== 'deleted') out.security_groups = i.securityGroups.map((name) => ({ name }));
  if (v.admin) {
    out['OS-EXT-SRV-ATTR:host'] = i.host;
    out['OS-EXT-SRV-ATTR:instance_name'] = instanceName(i.uuid);
    out['OS-EXT-SRV-ATTR:hypervisor_hostname'] = i.node;
    if (v.version?.atLeast('2.3')) Object.assign(out, extendedAttributes23(i));
  }
  return out;
}

/**
 * 2.3's extra OS-EXT-SRV-ATTR attributes (admins): Nova's instance fields. kernel_id and ramdisk_id
 * are the image's properties of those names ("" without them, as Nova stores them); user_data is the
 * base64 the create carried (null without). 2.3's `delete_on_termination` in
 * `os-extended-volumes:volumes_attached` has nothing to show until volumes attach (the list is empty).
 */
function extendedAttributes23(i: InstanceEntity): Record<string, unknown> {
  const props = i.requestSpec.image.properties;
  return {
    'OS-EXT-SRV-ATTR:hostname': i.hostname,
    'OS-EXT-SRV-ATTR:kernel_id': props.kernel_id ?? '',
    'OS-EXT-SRV-ATTR:launch_index': i.launchIndex,
    'OS-EXT-SRV-ATTR:ramdisk_id': props.ramdisk_id ?? '',
    'OS-EXT-SRV-ATTR:reservation_id': i.reservationId,
    'OS-EXT-SRV-ATTR:root_device_name': rootDeviceName(i),
    'OS-EXT-SRV-ATTR:user_data': i.userData,
  };
}

/**
 * The 202 of POST /servers: only what Tempest's create schema allows, with the admin password (the
 * one given or the one generated) unless `compute.enable_instance_password` is off (Nova's
 * `[api] enable_instance_password`: then `adminPass` is left out).
 */
export function serverCreateView(links: ComputeLinks, i: InstanceEntity, adminPass: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { id: i.uuid, links: links.resource('servers', i.uuid), 'OS-DCF:diskConfig': i.diskConfig, security_groups: i.securityGroups.map((name) => ({ name })) };
  if (adminPass !== undefined) out.adminPass = adminPass;
  return out;
}
