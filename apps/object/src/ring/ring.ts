import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { readRingFile } from './ring-file';
import type { RingData, RingDevice } from './ring-types';

export interface HashPath {
  /** Cluster-wide secret prefix/suffix mixed into every hash (Swift's swift_hash_path_prefix/suffix). */
  prefix: string;
  suffix: string;
}

/**
 * The read side of a ring: which partition a name hashes to, its primary devices and its handoffs.
 * Reloads the ring file when it changes (checked at most every `reloadMs`).
 */
export class Ring {
  private data: RingData;
  private partShift: number;
  private mtimeMs = 0;
  private checkedAt = 0;

  constructor(
    private readonly source: string | RingData,
    private readonly hashPath: HashPath,
    private readonly reloadMs = 15_000,
  ) {
    this.data = typeof source === 'string' ? this.load(source) : source;
    this.partShift = 32 - this.data.partPower;
  }

  private load(path: string): RingData {
    const data = readRingFile(path);
    this.mtimeMs = statSync(path).mtimeMs;
    return data;
  }

  private maybeReload(): void {
    if (typeof this.source !== 'string') return;
    const now = Date.now();
    if (now - this.checkedAt < this.reloadMs) return;
    this.checkedAt = now;
    try {
      if (statSync(this.source).mtimeMs !== this.mtimeMs) {
        this.data = this.load(this.source);
        this.partShift = 32 - this.data.partPower;
      }
    } catch {
      // keep the ring we have if the file is being replaced
    }
  }

  get replicas(): number {
    return this.data.replicas;
  }
  get partPower(): number {
    return this.data.partPower;
  }
  get devices(): RingDevice[] {
    return this.data.devs.filter((d): d is RingDevice => d !== null);
  }

  /** MD5 of `prefix/account[/container[/object]]suffix`; the top `part_power` bits are the partition. */
  getPartition(account: string, container?: string, object?: string): number {
    this.maybeReload();
    const path = `/${[account, container, object].filter((p) => p !== undefined).join('/')}`;
    const digest = createHash('md5').update(`${this.hashPath.prefix}${path}${this.hashPath.suffix}`).digest();
    return digest.readUInt32BE(0) >>> this.partShift;
  }

  getPartNodes(part: number): RingDevice[] {
    this.maybeReload();
    const seen = new Set<number>();
    const nodes: RingDevice[] = [];
    for (const row of this.data.replica2part2dev) {
      const id = row[part];
      const dev = this.data.devs[id];
      if (dev && !seen.has(id)) {
        seen.add(id);
        nodes.push(dev);
      }
    }
    return nodes;
  }

  getNodes(account: string, container?: string, object?: string): { part: number; nodes: RingDevice[] } {
    const part = this.getPartition(account, container, object);
    return { part, nodes: this.getPartNodes(part) };
  }

  /**
   * Handoff devices for a partition, best first: devices in zones no primary uses, then in other
   * hosts, then the rest; a stable per-partition order so every proxy picks the same handoffs.
   */
  *getMoreNodes(part: number): Generator<RingDevice> {
    const primaries = this.getPartNodes(part);
    const ids = new Set(primaries.map((d) => d.id));
    const zones = new Set(primaries.map((d) => `${d.region}/${d.zone}`));
    const hosts = new Set(primaries.map((d) => `${d.ip}`));
    const rank = (d: RingDevice) => createHash('md5').update(`${part}:${d.id}`).digest().readUInt32BE(0);
    const others = this.devices.filter((d) => !ids.has(d.id) && d.weight > 0).sort((a, b) => rank(a) - rank(b));
    const tiers = [
      others.filter((d) => !zones.has(`${d.region}/${d.zone}`)),
      others.filter((d) => zones.has(`${d.region}/${d.zone}`) && !hosts.has(d.ip)),
      others.filter((d) => zones.has(`${d.region}/${d.zone}`) && hosts.has(d.ip)),
    ];
    for (const tier of tiers) yield* tier;
  }
}
