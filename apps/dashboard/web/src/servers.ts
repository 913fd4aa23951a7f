/** Compute's servers as the app shows them: the wire shape it reads, status predicates, live updates. */

/** What the app reads of a server (GET /servers/detail, and the `server` of compute.instance.* events). */
export interface Server {
  id: string;
  name: string;
  status: string;
  tenant_id: string;
  updated?: string;
  created?: string;
  'OS-EXT-STS:task_state'?: string | null;
  'OS-EXT-STS:power_state'?: number;
  'OS-EXT-STS:vm_state'?: string;
  flavor?: { id?: string; original_name?: string; vcpus?: number; ram?: number; disk?: number };
  image?: { id?: string } | string;
  addresses?: Record<string, Array<{ addr: string; version?: number }>>;
  fault?: { code?: number; message?: string };
}

export type StatusTone = 'ok' | 'busy' | 'off' | 'error' | 'unknown';

/** Nova's statuses that are on their way to another. */
const TRANSITIONAL = new Set(['BUILD', 'REBUILD', 'REBOOT', 'HARD_REBOOT', 'RESIZE', 'VERIFY_RESIZE', 'REVERT_RESIZE', 'MIGRATING', 'PASSWORD', 'RESCUE_PENDING']);
const OFF = new Set(['SHUTOFF', 'STOPPED', 'PAUSED', 'SUSPENDED', 'SHELVED', 'SHELVED_OFFLOADED', 'SOFT_DELETED', 'DELETED', 'RESCUE']);

/** Whether a server is changing: a transitional status, or a task under way (`task_state`). */
export function isTransitional(s: Pick<Server, 'status' | 'OS-EXT-STS:task_state'>): boolean {
  return TRANSITIONAL.has(s.status) || !!s['OS-EXT-STS:task_state'];
}

/** The badge's colour family. */
export function statusTone(s: Pick<Server, 'status' | 'OS-EXT-STS:task_state'>): StatusTone {
  if (s.status === 'ERROR') return 'error';
  if (isTransitional(s)) return 'busy';
  if (s.status === 'ACTIVE') return 'ok';
  if (OFF.has(s.status)) return 'off';
  return 'unknown';
}

/** The badge's words: `Active`, `Shutoff`, `Build (spawning)`, `Hard reboot`. */
export function statusLabel(s: Pick<Server, 'status' | 'OS-EXT-STS:task_state'>): string {
  const words = (x: string) => x.toLowerCase().replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());
  const task = s['OS-EXT-STS:task_state'];
  return task ? `${words(s.status)} (${task.replace(/_/g, ' ')})` : words(s.status);
}

/** The server's addresses, `net: 10.0.0.5, fd00::5` per network. */
export function addressList(s: Pick<Server, 'addresses'>): string[] {
  return Object.entries(s.addresses ?? {}).map(([net, list]) => `${net}: ${list.map((a) => a.addr).join(', ')}`);
}

/** A compute.instance.* notification as the event stream delivers it. */
export interface ServerEvent {
  type: string;
  payload: { server?: Server };
}

function newer(a: Server, b: Server): boolean {
  // a view without `updated` cannot be ordered: take the event's
  if (!a.updated || !b.updated) return true;
  return Date.parse(a.updated) >= Date.parse(b.updated);
}

/**
 * The server list after one event: `delete.end` removes the server, another event replaces the
 * listed server by the event's view unless the list's is newer (events may come out of order), and
 * a server not listed is added when it belongs to `projectId` (the list shows one project).
 * Returns the same array when nothing changed (React skips the render).
 */
export function applyServerEvent(list: Server[], e: ServerEvent, projectId: string): Server[] {
  const server = e.payload.server;
  if (!e.type.startsWith('compute.instance.') || !server?.id) return list;
  const i = list.findIndex((s) => s.id === server.id);
  if (e.type === 'compute.instance.delete.end' || server.status === 'DELETED') return i < 0 ? list : list.filter((_, j) => j !== i);
  if (i < 0) return server.tenant_id === projectId ? [...list, server] : list;
  if (!newer(server, list[i])) return list;
  const next = list.slice();
  next[i] = { ...list[i], ...server };
  return next;
}
