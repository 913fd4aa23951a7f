import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@kumo/common';
import type { ObjectConfig } from '../config';
import { Ring } from '../ring/ring';
import type { RingDevice } from '../ring/ring-types';
import { ObjectAuditor } from './auditor';
import { DbReplicator } from './db-replicator';
import { ListingDb } from './listing-db';
import type { ObjectServer } from './object-server';
import { ObjectReplicator } from './replicator';

export const DAEMON_NAMES = ['replicator', 'updater', 'expirer', 'auditor'] as const;
export type DaemonName = (typeof DAEMON_NAMES)[number];

/** The addresses this host answers on (a ring device is this node's when its ip is one of them). */
function localAddresses(): Set<string> {
  const out = new Set(['127.0.0.1', '::1', 'localhost']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/**
 * The background work of a storage node — object replicator, container updater (async pendings),
 * expirer (X-Delete-At) and auditor — as one-pass functions over this node's devices: the ring's
 * devices on this host with this node's object port whose directory exists under `devices`.
 */
export function storageDaemons(
  config: ObjectConfig,
  objects: ObjectServer,
  logger: Logger,
  openDb: (kind: 'container' | 'account', path: string) => ListingDb = cachedOpener(),
): Record<DaemonName, () => Promise<unknown>> {
  const o = config.object;
  const hp = { prefix: o.hash_path_prefix, suffix: o.hash_path_suffix };
  const ring = new Ring(join(o.ring_dir, 'object.ring.gz'), hp);
  const addresses = localAddresses();
  const localOn = (port: number) => (d: RingDevice) => d.port === port && addresses.has(d.ip) && existsSync(join(o.devices, d.device));
  const isLocal = localOn(o.object_port);
  const dbReplicators = (['container', 'account'] as const).map(
    (kind) => new DbReplicator({ kind, devicesRoot: o.devices, ring: new Ring(join(o.ring_dir, `${kind}.ring.gz`), hp), isLocal: localOn(kind === 'container' ? o.container_port : o.account_port), open: openDb, logger }),
  );
  const devices = () => ring.devices.filter(isLocal).map((d) => d.device);
  const replicator = new ObjectReplicator({ devicesRoot: o.devices, objectRing: ring, isLocal, logger, reclaimAgeSeconds: o.reclaim_age, hashes: objects.hashes, reclaimEvery: 10 });
  const auditor = new ObjectAuditor({ devicesRoot: o.devices, devices, bytesPerSecond: o.auditor_bytes_per_second, logger, quarantine: (f, why) => objects.quarantine(f, why) });
  const perDevice = async <T extends Record<string, number>>(fn: (device: string) => Promise<T>) => {
    const total: Record<string, number> = {};
    for (const d of devices()) for (const [k, v] of Object.entries(await fn(d))) total[k] = (total[k] ?? 0) + v;
    return total;
  };
  return {
    replicator: async () => ({ objects: await replicator.runOnce(), containers: await dbReplicators[0].runOnce(), accounts: await dbReplicators[1].runOnce() }),
    updater: () => perDevice((d) => objects.pendings.runOnce(d)),
    expirer: () => perDevice(async (d) => ({ expired: await objects.expireOnce(d) })),
    auditor: () => auditor.runOnce(),
  };
}

function cachedOpener(): (kind: 'container' | 'account', path: string) => ListingDb {
  const open = new Map<string, ListingDb>();
  return (kind, path) => {
    let db = open.get(path);
    if (!db) open.set(path, (db = new ListingDb(path, kind)));
    return db;
  };
}

/** True when a pass did something worth an info line (moved, sent, expired, quarantined, failed). */
function eventful(stats: unknown): boolean {
  if (typeof stats !== 'object' || stats === null) return false;
  return Object.entries(stats).some(([k, v]) => (typeof v === 'number' ? v > 0 && !['seconds', 'partitions', 'partitionsUnchanged', 'objects', 'bytes', 'databases'].includes(k) : eventful(v)));
}

/** Runs each daemon in a loop, `intervals[name]` seconds between the end of a pass and the next (0 = off). */
export function startDaemonLoops(daemons: Record<DaemonName, () => Promise<unknown>>, intervals: Record<DaemonName, number>, logger: Logger): () => void {
  const timers = new Map<DaemonName, NodeJS.Timeout>();
  let stopped = false;
  for (const name of DAEMON_NAMES) {
    const every = intervals[name];
    if (!every) continue;
    const loop = async () => {
      try {
        const stats = await daemons[name]();
        logger[eventful(stats) ? 'info' : 'debug']({ daemon: name, stats }, `${name} pass done`);
      } catch (err) {
        logger.error({ daemon: name, err }, `${name} pass failed`);
      }
      if (!stopped) timers.set(name, setTimeout(() => void loop(), every * 1000).unref());
    };
    // the first passes are spread out so the daemons do not all start at once
    timers.set(name, setTimeout(() => void loop(), (1 + DAEMON_NAMES.indexOf(name)) * 2000).unref());
  }
  return () => {
    stopped = true;
    for (const t of timers.values()) clearTimeout(t);
  };
}
