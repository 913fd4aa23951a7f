/**
 * What the disk sustains for three-way writes of large objects, with no object server in the way:
 * each object written as three files (one per directory, all on the devices' filesystem), each
 * fsynced, `concurrency` objects at a time (the three copies in parallel, as a proxy sends its
 * three replicas); then one copy of each read back with the page cache dropped, and read again
 * from the cache. Rates are MB/s (10^6 bytes/s) of object bytes, as for the HTTP phases.
 */
import { execFile } from 'node:child_process';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { DiskCeiling, DiskRate } from './object-report';
import { forEachLimited } from './util';

const COPIES = 3;
const READ_CHUNK = 1 << 20;

async function writeFsync(path: string, body: Buffer): Promise<void> {
  const fh = await open(path, 'w');
  try {
    let off = 0;
    while (off < body.length) off += (await fh.write(body, off, body.length - off)).bytesWritten;
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function readAll(path: string, chunk: Buffer): Promise<number> {
  const fh = await open(path, 'r');
  try {
    let total = 0;
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) return total;
      total += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

/**
 * Drops the page cache of `files`: the whole cache through /proc/sys/vm/drop_caches when that is
 * writable (root outside a container), else per file with GNU dd's posix_fadvise(DONTNEED)
 * (`dd iflag=nocache count=0`), which works for clean pages of files we may read. Returns how.
 */
export async function dropCache(files: readonly string[]): Promise<string> {
  try {
    await writeFile('/proc/sys/vm/drop_caches', '1');
    return 'dropped (echo 1 > /proc/sys/vm/drop_caches)';
  } catch {
    // not allowed here
  }
  try {
    const run = promisify(execFile);
    await forEachLimited(files.length, 8, async (i) => {
      await run('dd', [`if=${files[i]}`, 'iflag=nocache', 'count=0', 'status=none']);
    });
    return 'dropped per file (dd iflag=nocache: posix_fadvise DONTNEED; drop_caches not writable)';
  } catch (err) {
    return `NOT dropped (${(err as Error).message.split('\n')[0]}): the read figure is the page cache's`;
  }
}

async function timed(bytes: number, work: () => Promise<void>): Promise<DiskRate> {
  const t0 = performance.now();
  await work();
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, mbPerSecond: bytes / seconds / 1e6 };
}

/** `drop` empties the page cache of the files before the first read pass (tests pass their own). */
export async function diskCeiling(
  dir: string,
  bodies: readonly Buffer[],
  concurrency: number,
  drop: (files: readonly string[]) => Promise<string> = dropCache,
): Promise<DiskCeiling> {
  const dirs = Array.from({ length: COPIES }, (_, k) => join(dir, `ceiling-${k + 1}`));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  await Promise.all(dirs.map((d) => mkdir(d, { recursive: true })));
  const name = (i: number) => `object-${String(i).padStart(4, '0')}`;
  const bytes = bodies.reduce((s, b) => s + b.length, 0);
  try {
    const write = await timed(bytes, () =>
      forEachLimited(bodies.length, concurrency, async (i) => {
        await Promise.all(dirs.map((d) => writeFsync(join(d, name(i)), bodies[i])));
      }),
    );
    const firstCopies = bodies.map((_, i) => join(dirs[0], name(i)));
    const cacheDrop = await drop(firstCopies);
    const chunks = Array.from({ length: concurrency }, () => Buffer.allocUnsafe(READ_CHUNK));
    const readPass = () =>
      forEachLimited(bodies.length, concurrency, async (i, worker) => {
        const n = await readAll(firstCopies[i], chunks[worker]);
        if (n !== bodies[i].length)
          throw new Error(`${firstCopies[i]}: read ${n} bytes, wrote ${bodies[i].length}`);
      });
    const read = await timed(bytes, readPass);
    const readCached = await timed(bytes, readPass);
    return {
      dir,
      objects: bodies.length,
      objectBytes: bytes,
      copies: COPIES,
      concurrency,
      write,
      read,
      cacheDrop,
      readCached,
    };
  } finally {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}
