import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@kumo/common';
import { backendRequest, devicePath } from '../common/backend';
import type { Ring } from '../ring/ring';
import type { RingDevice } from '../ring/ring-types';
import type { ListingDb } from './listing-db';

export interface DbReplicatorOptions {
  kind: 'container' | 'account';
  devicesRoot: string;
  ring: Ring;
  isLocal: (dev: RingDevice) => boolean;
  /** the node's open handle of a database file */
  open: (kind: 'container' | 'account', path: string) => ListingDb;
  logger: Logger;
  batch?: number;
}

export interface DbReplicationStats {
  databases: number;
  rowsSent: number;
  errors: number;
  seconds: number;
}

/**
 * The container (or account) database replicator: each database sends the partition's other primaries
 * its info, metadata and the rows changed since the last sync with that peer (a per-peer change
 * sequence, Swift's sync points), in batches. Merges are last-writer-wins, so replicas converge
 * whichever of them missed writes — a container created while one of its servers was down, metadata
 * posted meanwhile, rows from async pendings that went elsewhere.
 */
export class DbReplicator {
  /** What each peer last took from each database (info as sent, rows up to the sync point): unchanged ones are skipped. */
  private readonly sent = new Map<string, string>();

  constructor(private readonly opts: DbReplicatorOptions) {}

  async runOnce(): Promise<DbReplicationStats> {
    const started = Date.now();
    const stats: DbReplicationStats = { databases: 0, rowsSent: 0, errors: 0, seconds: 0 };
    const kindDir = `${this.opts.kind}s`;
    for (const dev of this.opts.ring.devices.filter((d) => this.opts.isLocal(d))) {
      const root = join(this.opts.devicesRoot, dev.device, kindDir);
      for (const part of (await fs.readdir(root).catch(() => [] as string[])).filter((p) => /^\d+$/.test(p))) {
        for (const suffix of await fs.readdir(join(root, part)).catch(() => [] as string[])) {
          for (const hash of await fs.readdir(join(root, part, suffix)).catch(() => [] as string[])) {
            const path = join(root, part, suffix, hash, `${hash}.db`);
            if (!(await fs.stat(path).catch(() => null))) continue;
            stats.databases++;
            try {
              await this.replicate(dev, Number(part), this.opts.open(this.opts.kind, path), stats);
            } catch (err) {
              stats.errors++;
              this.opts.logger.warn({ path, err: (err as Error).message }, 'database replication failed');
            }
          }
        }
      }
    }
    stats.seconds = (Date.now() - started) / 1000;
    return stats;
  }

  private async replicate(dev: RingDevice, part: number, db: ListingDb, stats: DbReplicationStats): Promise<void> {
    const names = db.names();
    if (!names) return;
    const batch = this.opts.batch ?? 1000;
    const info = db.replicationInfo();
    const accountTarget = this.opts.kind === 'container' ? db.accountTarget() : undefined;
    for (const peer of this.opts.ring.getPartNodes(part).filter((p) => p.id !== dev.id)) {
      const peerKey = `${peer.ip}:${peer.port}/${peer.device}`;
      const path = devicePath(peer, part, ...[names.account, names.container].filter((n): n is string => n !== undefined));
      let since = db.syncPoint(peerKey);
      const state = `${JSON.stringify(info)}|${JSON.stringify(accountTarget ?? null)}`;
      const memo = `${path}@${peerKey}`;
      if (since === db.maxSeq() && this.sent.get(memo) === state) continue;
      let first = true;
      for (;;) {
        const rows = db.rowsSince(since, batch);
        if (rows.length === 0 && !first) break;
        const body = JSON.stringify({ info, rows: rows.map(({ seq: _seq, ...r }) => r), accountTarget });
        const r = await backendRequest(peer, peer.port, 'POST', path, { 'x-backend-replication': 'true', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, 15_000, body);
        if (r.status !== 204) {
          stats.errors++;
          this.sent.delete(memo);
          break;
        }
        this.sent.set(memo, state);
        first = false;
        stats.rowsSent += rows.length;
        if (rows.length === 0) break;
        since = rows[rows.length - 1].seq;
        db.setSyncPoint(peerKey, since);
        if (rows.length < batch) break;
      }
    }
  }
}
