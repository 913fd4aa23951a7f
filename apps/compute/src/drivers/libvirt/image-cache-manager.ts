// Nova's image cache manager for <instances>/_base: a base image no instance's overlay backs any more
// is removed once it has been unused for `minAgeSeconds` (Nova's
// remove_unused_original_minimum_age_seconds, 86400). "In use" is read from the overlays themselves
// (the backing file named in each <instances>/<uuid>/disk qcow2 header), so a guest whose overlay
// still backs onto a base always keeps it; a base in use is touched on every pass (as Nova does), so
// its age counts from the last pass that saw it used. Any overlay that cannot be read stops the pass
// before anything is removed. Leftover partial fetches (`<id>.fetch-*`, `<id>.qcow2-*`) older than
// the same age go too.
import { open, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ImageCacheReport } from '../compute-driver';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const BASE_RE = new RegExp(`^${UUID}$`);
const PARTIAL_RE = new RegExp(`^${UUID}\\.(fetch|qcow2)-[0-9a-f]{8}$`);
const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"

/** The backing file named in a qcow2 header (null: none, or not a qcow2 file). Reads only the header. */
export async function qcow2BackingFile(path: string): Promise<string | null> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(20);
    const { bytesRead } = await fh.read(head, 0, 20, 0);
    if (bytesRead < 20 || head.readUInt32BE(0) !== QCOW2_MAGIC) return null;
    const offset = Number(head.readBigUInt64BE(8));
    const size = head.readUInt32BE(16);
    if (offset === 0 || size === 0) return null;
    if (size > 1023) throw new Error(`${path}: a qcow2 backing file name of ${size} bytes`);
    const name = Buffer.alloc(size);
    const r = await fh.read(name, 0, size, offset);
    if (r.bytesRead !== size) throw new Error(`${path}: the qcow2 backing file name is cut short`);
    return name.toString('utf8');
  } finally {
    await fh.close();
  }
}


export interface ImageCacheManagerOptions {
  instancesPath: string;
  /** remove_unused_base_images: false only reports (and touches the bases in use) */
  removeUnused: boolean;
  minAgeSeconds: number;
  /** bases a build of this process is using right now (fetched, overlay not made yet) */
  busy?: () => Iterable<string>;
  now?: () => number;
}

/** One pass over <instances>/_base. */
export async function manageImageCache(o: ImageCacheManagerOptions): Promise<ImageCacheReport> {
  const now = o.now?.() ?? Date.now();
  const baseDir = resolve(o.instancesPath, '_base');
  const names = await readdir(baseDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const pass: ImageCacheReport = { inUse: [], removed: [], kept: [] };
  if (!names.length) return pass;
  // what the overlays back onto (every instance directory with a disk)
  const used = new Set<string>();
  for (const d of await readdir(o.instancesPath)) {
    if (!BASE_RE.test(d)) continue;
    let backing: string | null;
    try {
      backing = await qcow2BackingFile(join(o.instancesPath, d, 'disk'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // a build before its disk, or residue
      throw new Error(`image cache: the overlay of instance ${d} could not be read (${(err as Error).message}): nothing removed`);
    }
    if (backing && resolve(o.instancesPath, d, backing).startsWith(`${baseDir}/`)) used.add(resolve(o.instancesPath, d, backing).slice(baseDir.length + 1));
  }
  // asked again right before each removal, in the same tick: a build that takes a base meanwhile keeps it
  const busy = (id: string) => new Set(o.busy?.() ?? []).has(id);
  const old = async (file: string) => now - (await stat(file)).mtimeMs >= o.minAgeSeconds * 1000;
  for (const name of names) {
    const file = join(baseDir, name);
    if (BASE_RE.test(name)) {
      if (used.has(name)) {
        pass.inUse.push(name);
        await utimes(file, now / 1000, now / 1000);
      } else if (o.removeUnused && (await old(file)) && !busy(name)) {
        await rm(file, { force: true });
        pass.removed.push(name);
      } else {
        pass.kept.push(name);
      }
    } else if (PARTIAL_RE.test(name) && o.removeUnused && (await old(file)) && !busy(name.slice(0, 36))) {
      await rm(file, { force: true });
      pass.removed.push(name);
    }
  }
  return pass;
}
