import { createHash } from 'node:crypto';
import type { InstanceEntity, InstanceFaultEntity } from '../db/entities/instance.entity';
import { ComputeLinks } from './links';

export { ComputeLinks };
import { serverStatus } from '../services/server-states';

/**
 * The server as Nova shows it at 2.1 (nova/api/openstack/compute/views/servers.py; Tempest's
 * v2_1 schema is closed: API-SURFACE.md §2.3). Shared by the API and by the conductor's
 * notifications (the dashboard gets the same shape), so it lives outside api/.
 */
export interface ServerViewInput {
  instance: InstanceEntity;
  metadata: Record<string, string>;
  fault?: InstanceFaultEntity;
  /** Admins see OS-EXT-SRV-ATTR:* and a 500 fault's details. */
  admin: boolean;
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
    'OS-EXT-AZ:availability_zone': i.availabilityZone ?? '',
    config_drive: i.configDrive ? 'True' : '',
    key_name: i.keyName,
    'OS-SRV-USG:launched_at': isoMicros(i.launchedAt),
    'OS-SRV-USG:terminated_at': isoMicros(i.terminatedAt),
    'OS-EXT-STS:task_state': i.taskState,
    'OS-EXT-STS:vm_state': i.vmState,
    'OS-EXT-STS:power_state': i.powerState,
    'os-extended-volumes:volumes_attached': [],
  };
  if (i.vmState !== 'deleted') out.security_groups = i.securityGroups.map((name) => ({ name }));
  if (PROGRESS_STATUSES.has(status)) out.progress = i.progress;
  if (v.admin) {
    out['OS-EXT-SRV-ATTR:host'] = i.host;
    out['OS-EXT-SRV-ATTR:instance_name'] = instanceName(i.uuid);
    out['OS-EXT-SRV-ATTR:hypervisor_hostname'] = i.node;
  }
  if (v.fault && (status === 'ERROR' || status === 'DELETED')) {
    const f: Record<string, unknown> = { code: v.fault.code, created: isoSeconds(v.fault.createdAt), message: v.fault.message };
    if (v.admin || v.fault.code !== 500) f.details = v.fault.details;
    out.fault = f;
  }
  return out;
}

/** The 202 of POST /servers: only what Tempest's create schema allows, with the generated password. */
export function serverCreateView(links: ComputeLinks, i: InstanceEntity, adminPass: string): Record<string, unknown> {
  return { id: i.uuid, links: links.resource('servers', i.uuid), 'OS-DCF:diskConfig': i.diskConfig, security_groups: i.securityGroups.map((name) => ({ name })), adminPass };
}
