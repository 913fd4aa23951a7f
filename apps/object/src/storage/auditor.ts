import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@kumo/common';
import { DiskFile, stateOfFiles } from './disk-file';
import { listPartitions, partitionListing } from './suffix-hashes';

export interface AuditorOptions {
  devicesRoot: string;
  /** the devices to audit */
  devices: () => string[];
  /** read rate limit per pass (Swift's bytes_per_second); 0 = unlimited */
  bytesPerSecond: number;
  logger: Logger;
  quarantine: (file: DiskFile, reason: string) => Promise<void>;
}

export interface AuditStats {
  objects: number;
  bytes: number;
  quarantined: number;
  seconds: number;
}

/**
 * The object auditor: re-reads every object at a bounded rate and compares its MD5 and length with its
 * metadata; a corrupt copy (or data whose metadata is unreadable) is quarantined, which changes its
 * suffix hash, so the replicator of a healthy replica pushes a good copy back.
 */
export class ObjectAuditor {
  /**
   * Every read goes into this one buffer (one object at a time): a read stream's fresh 1 MiB chunk per
   * read was garbage that waited for a full GC, 4 MiB/s of it for as long as a pass lasts.
   */
  private readonly buffer = Buffer.allocUnsafe(1024 * 1024);

  constructor(private readonly opts: AuditorOptions) {}

  async runOnce(): Promise<AuditStats> {
    const started = Date.now();
    const stats: AuditStats = { objects: 0, bytes: 0, quarantined: 0, seconds: 0 };
    for (const device of this.opts.devices()) {
      for (const part of await listPartitions(this.opts.devicesRoot, device)) {
        for (const hashes of (await partitionListing(this.opts.devicesRoot, device, part)).values()) {
          for (const [hash, files] of hashes) {
            if (stateOfFiles(files)?.kind !== 'data') continue;
            const file = new DiskFile(this.opts.devicesRoot, device, part, hash);
            const problem = await this.check(file, stats, started);
            stats.objects++;
            if (problem) {
              await this.opts.quarantine(file, problem);
              stats.quarantined++;
            }
          }
        }
      }
    }
    stats.seconds = (Date.now() - started) / 1000;
    return stats;
  }

  /** Why this object is bad, or null. */
  private async check(file: DiskFile, stats: AuditStats, started: number): Promise<string | null> {
    const cur = await file.current();
    if (!cur) return 'metadata missing or unreadable';
    if (cur.kind === 'corrupt') return cur.reason;
    if (cur.kind !== 'data') return null;
    const md5 = createHash('md5');
    let length = 0;
    try {
      // the body only: the metadata trailer after it was checked when it was read (DiskFile.current)
      if (cur.meta.contentLength > 0) {
        const fh = await fs.open(cur.dataPath, 'r');
        try {
          while (length < cur.meta.contentLength) {
            const want = Math.min(this.buffer.length, cur.meta.contentLength - length);
            const { bytesRead } = await fh.read(this.buffer, 0, want, length);
            if (bytesRead === 0) break;
            md5.update(this.buffer.subarray(0, bytesRead));
            length += bytesRead;
            stats.bytes += bytesRead;
            await this.throttle(stats.bytes, started);
          }
        } finally {
          await fh.close();
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null; // replaced meanwhile
      return `unreadable: ${(err as Error).message}`;
    }
    if (length !== cur.meta.contentLength) return `length ${length} differs from ${cur.meta.contentLength}`;
    const etag = md5.digest('hex');
    if (etag !== cur.meta.etag) {
      // a newer write may have landed while reading: only the file that was read is judged
      const still = await fs.stat(join(file.dir, cur.dataPath.split('/').pop()!)).catch(() => null);
      return still ? `md5 ${etag} differs from etag ${cur.meta.etag}` : null;
    }
    return null;
  }

  private async throttle(bytes: number, started: number): Promise<void> {
    if (!this.opts.bytesPerSecond) return;
    const due = (bytes / this.opts.bytesPerSecond) * 1000 - (Date.now() - started);
    if (due > 5) await sleep(due);
  }
}
