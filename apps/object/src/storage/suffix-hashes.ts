import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, promises as fs, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The partitions present on a device. */
export async function listPartitions(devicesRoot: string, device: string): Promise<number[]> {
  const names = await fs.readdir(join(devicesRoot, device, 'objects')).catch(() => [] as string[]);
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
}

/** A directory's names; none when it does not exist (or is not a directory). */
function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A scan (partitionListing) lets the event loop run after this many directory reads. */
const SCAN_YIELD_EVERY = 64;

/**
 * Every object hash directory of a partition, grouped by suffix: suffix → hash → file names.
 * Blocking reads of directories the kernel has cached cost a few microseconds each, an asynchronous
 * one a thread-pool round trip that costs ten times more; so they block, and the scan yields to the
 * event loop every SCAN_YIELD_EVERY reads, which keeps any request's wait under a millisecond.
 */
export async function partitionListing(devicesRoot: string, device: string, part: number, suffixes?: string[]): Promise<Map<string, Map<string, string[]>>> {
  const partDir = join(devicesRoot, device, 'objects', String(part));
  const out = new Map<string, Map<string, string[]>>();
  let reads = 0;
  const read = async (dir: string) => {
    if (++reads % SCAN_YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    return namesIn(dir);
  };
  const wanted = suffixes ?? (await read(partDir)).filter((s) => /^[0-9a-f]{3}$/.test(s));
  for (const suffix of wanted) {
    const bySuffix = new Map<string, string[]>();
    for (const hash of await read(join(partDir, suffix))) {
      if (!/^[0-9a-f]{32}$/.test(hash)) continue;
      const files = (await read(join(partDir, suffix, hash))).filter((f) => !f.startsWith('.')).sort();
      if (files.length > 0) bySuffix.set(hash, files);
    }
    if (bySuffix.size > 0) out.set(suffix, bySuffix);
  }
  return out;
}

/** Swift's hashes of a partition: per suffix, the MD5 of its objects' file names. Equal hashes, equal states. */
export function suffixHashes(listing: Map<string, Map<string, string[]>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [suffix, hashes] of listing) {
    const md5 = createHash('md5');
    for (const hash of [...hashes.keys()].sort()) md5.update(`${hash}:${hashes.get(hash)!.join(',')}\n`);
    out[suffix] = md5.digest('hex');
  }
  return out;
}

/**
 * Suffix hashes of partitions kept in memory between replication passes (Swift keeps hashes.pkl):
 * writes mark their suffix dirty, and a partition's hashes are recomputed only for dirty suffixes.
 * Another process that changes files (`kumo-object-daemon --once`: the auditor quarantining, the
 * replicator removing a handoff copy, the expirer) records what it touched in the partition's
 * `.hashes.invalid` file (`persist`), which the node's cache reads before it answers.
 */
interface HashEntry {
  /**
   * A Map, not a Record: suffixes are three hex digits, and V8 keeps the all-digit ones ("905") as array
   * elements, so a partition's record of two suffixes held a ~12 KiB elements array (6.7 MiB of a storage
   * node's 27 MiB heap after the object benchmark, ~560 partitions)
   */
  hashes: Map<string, string>;
  dirty: Set<string>;
  /** when the hashes are computed again from scratch */
  expires: number;
  /** the computations of this partition in flight, one after the other */
  busy: Promise<void>;
}

export class SuffixHashCache {
  private readonly parts = new Map<string, HashEntry>();

  constructor(
    private readonly devicesRoot: string,
    private readonly opts: { maxAgeMs?: number; persist?: boolean } = {},
  ) {}

  private marker(device: string, part: number): string {
    return join(this.devicesRoot, device, 'objects', String(part), '.hashes.invalid');
  }

  invalidate(device: string, part: number, suffix: string): void {
    this.parts.get(`${device}/${part}`)?.dirty.add(suffix);
    if (this.opts.persist) this.record(device, part, suffix);
  }

  forget(device: string, part: number): void {
    this.parts.delete(`${device}/${part}`);
    if (this.opts.persist) this.record(device, part, '*');
  }

  private record(device: string, part: number, what: string): void {
    try {
      appendFileSync(this.marker(device, part), `${what}\n`);
    } catch {
      // the partition is gone: nothing to invalidate
    }
  }

  /** Suffixes other processes marked (or '*' for all), consumed (blocking calls: see partitionListing). */
  private takeMarks(device: string, part: number): string[] {
    const marker = this.marker(device, part);
    const taken = `${marker}.${process.pid}-${randomBytes(3).toString('hex')}`;
    try {
      renameSync(marker, taken);
    } catch {
      return [];
    }
    let text = '';
    try {
      text = readFileSync(taken, 'utf8');
    } catch {
      // gone meanwhile: nothing was marked
    }
    rmSync(taken, { force: true });
    return text.split('\n').filter(Boolean);
  }

  /**
   * The partition's suffix hashes. Computations of one partition run one after the other and every
   * call waits for those before it, so a call during a computation never sees half-made hashes (a
   * peer asking while this node computed after a restart got none, and synced every suffix).
   */
  async get(device: string, part: number): Promise<Record<string, string>> {
    const key = `${device}/${part}`;
    const marks = this.takeMarks(device, part);
    let entry = this.parts.get(key);
    if (!entry || marks.includes('*') || Date.now() > entry.expires) {
      // registered before reading, so writes during the computation mark their suffix dirty; kept for
      // half to all of maxAgeMs (a safety net for changes nobody marked), so partitions computed
      // together (after a restart) are not all computed again at the same moment
      const maxAge = this.opts.maxAgeMs ?? 10 * 60_000;
      const fresh: HashEntry = { hashes: new Map(), dirty: new Set(), expires: Date.now() + maxAge * (0.5 + Math.random() / 2), busy: Promise.resolve() };
      this.parts.set(key, fresh);
      fresh.busy = partitionListing(this.devicesRoot, device, part).then((listing) => {
        fresh.hashes = new Map(Object.entries(suffixHashes(listing)));
      });
      entry = fresh;
    } else {
      for (const m of marks) entry.dirty.add(m);
    }
    const e = entry;
    const work = e.busy.then(async () => {
      if (e.dirty.size === 0) return;
      const suffixes = [...e.dirty];
      e.dirty.clear();
      const fresh = suffixHashes(await partitionListing(this.devicesRoot, device, part, suffixes));
      for (const s of suffixes) {
        if (fresh[s]) e.hashes.set(s, fresh[s]);
        else e.hashes.delete(s);
      }
    });
    e.busy = work.catch(() => undefined);
    try {
      await work;
    } catch (err) {
      if (this.parts.get(key) === e) this.parts.delete(key);
      throw err;
    }
    return Object.fromEntries(e.hashes);
  }
}
