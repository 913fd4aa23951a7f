import { createHash, Hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Transform, TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { PayloadTooLarge, reclaimBodyBuffers } from '@kumo/common';

/**
 * A hashing thread: the digests in workerData.algorithms of the shared buffers it is told about, in the
 * order it is told; it answers each buffer's index once hashed, and the digests at the end.
 */
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = workerData.algorithms.map((a) => createHash(a));
const views = workerData.buffers.map((b) => Buffer.from(b));
parentPort.on('message', (m) => {
  if (m.end) return parentPort.postMessage({ digests: hashes.map((h) => h.digest('hex')) });
  for (const h of hashes) h.update(views[m.index].subarray(0, m.length));
  parentPort.postMessage({ index: m.index });
});
`;

/** Uploads at least this big (or of unknown size) are hashed on threads of their own. */
const THREAD_HASHING_MIN_BYTES = 8 * 1024 * 1024;
const HASH_BUFFER_BYTES = 1024 * 1024;
const HASH_BUFFERS = 4;

/**
 * Sets of shared hash buffers that finished uploads gave back, for the next ones. A SharedArrayBuffer
 * lives until V8 collects its old generation, which a streaming service may not do for many uploads:
 * with a new set per upload the image service grew 4 MiB per upload (94 -> 155 MiB RSS over eight).
 * There are never more sets than uploads that ran at once.
 */
const idleBufferSets: SharedArrayBuffer[][] = [];
let bufferSetsMade = 0;

function takeBufferSet(): SharedArrayBuffer[] {
  const set = idleBufferSets.pop();
  if (set) return set;
  bufferSetsMade++;
  return Array.from({ length: HASH_BUFFERS }, () => new SharedArrayBuffer(HASH_BUFFER_BYTES));
}

/** How many sets of shared hash buffers this process has allocated (tests). */
export function hashBufferSetsMade(): number {
  return bufferSetsMade;
}

/**
 * How many threads hash a big upload: `2` runs MD5 and SHA-512 on a thread each, `1` runs both on one.
 * `auto` takes two only where the machine has a core for each besides the one receiving the upload: on
 * two cores a second thread has no core of its own, so it bought no speed and cost ~10 MiB of memory.
 */
export type HashThreads = 1 | 2 | 'auto';

export function hashThreadCount(threads: HashThreads, cores = availableParallelism()): 1 | 2 {
  if (threads !== 'auto') return threads;
  return cores > 2 ? 2 : 1;
}

/**
 * Counts, hashes (MD5 for `checksum`, SHA-512 for `os_hash_value`) and keeps the first bytes of an
 * upload as it streams through; fails with 413 past `maxBytes`.
 *
 * The two hashes cost ~2.5 ms of CPU per MB, more than everything else an upload does, so for big
 * uploads they run on worker threads (see HashThreads) while this one receives and stores: the bytes
 * are copied once into one of four shared 1 MiB buffers, the threads hash it, and it is filled again
 * once all are done; with all four out, the stream waits, so memory stays bounded and the upload is
 * paced by the hashing (~750 MB/s with a thread per digest, ~400 MB/s with both on one, on a machine
 * whose MD5 runs at ~750 MB/s). Small uploads hash inline (threads cost ~30 ms to start).
 */
export class HashingStream extends Transform {
  size = 0;
  head = Buffer.alloc(0);
  checksum = '';
  hash = '';
  private readonly inline?: { md5: Hash; sha512: Hash };
  private readonly workers: Worker[] = [];
  private readonly buffers: Buffer[] = [];
  /** per buffer: how many threads still hash it */
  private readonly busy: number[] = [];
  private readonly free: number[] = [];
  private fill?: { index: number; length: number };
  private waiting?: () => void;
  private shared?: SharedArrayBuffer[];

  constructor(
    private readonly maxBytes: number,
    expectedBytes?: number,
    threads: HashThreads = 'auto',
  ) {
    super();
    if (expectedBytes !== undefined && expectedBytes < THREAD_HASHING_MIN_BYTES) {
      this.inline = { md5: createHash('md5'), sha512: createHash('sha512') };
      return;
    }
    const shared = takeBufferSet();
    this.shared = shared;
    shared.forEach((b, i) => {
      this.buffers.push(Buffer.from(b));
      this.busy.push(0);
      this.free.push(i);
    });
    const groups = hashThreadCount(threads) === 2 ? [['md5'], ['sha512']] : [['md5', 'sha512']];
    for (const algorithms of groups) {
      const worker = new Worker(HASH_WORKER, { eval: true, workerData: { algorithms, buffers: shared } });
      worker.on('message', (m: { index?: number }) => {
        if (m.index === undefined || --this.busy[m.index] > 0) return;
        this.free.push(m.index);
        const resume = this.waiting;
        this.waiting = undefined;
        resume?.();
      });
      worker.on('error', (err) => this.destroy(err));
      this.workers.push(worker);
    }
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    reclaimBodyBuffers(chunk.length);
    if (this.size > this.maxBytes) return cb(new PayloadTooLarge(`Image exceeds the storage quota: the limit is ${this.maxBytes} bytes`));
    if (this.head.length < 512) this.head = Buffer.concat([this.head, chunk.subarray(0, 512 - this.head.length)]);
    if (this.inline) {
      this.inline.md5.update(chunk);
      this.inline.sha512.update(chunk);
      return cb(null, chunk);
    }
    this.copyToWorkers(chunk, 0, () => cb(null, chunk));
  }

  /** Copies chunk[from..] into the shared buffers, waiting for one to come back when all are out. */
  private copyToWorkers(chunk: Buffer, from: number, done: () => void): void {
    let off = from;
    while (off < chunk.length) {
      if (!this.fill) {
        const index = this.free.pop();
        if (index === undefined) {
          this.waiting = () => this.copyToWorkers(chunk, off, done);
          return;
        }
        this.fill = { index, length: 0 };
      }
      const n = Math.min(HASH_BUFFER_BYTES - this.fill.length, chunk.length - off);
      chunk.copy(this.buffers[this.fill.index], this.fill.length, off, off + n);
      this.fill.length += n;
      off += n;
      if (this.fill.length === HASH_BUFFER_BYTES) this.lend();
    }
    done();
  }

  private lend(): void {
    const f = this.fill!;
    this.fill = undefined;
    this.busy[f.index] = this.workers.length;
    for (const w of this.workers) w.postMessage(f);
  }

  override _flush(cb: TransformCallback): void {
    if (this.inline) {
      this.checksum = this.inline.md5.digest('hex');
      this.hash = this.inline.sha512.digest('hex');
      return cb();
    }
    if (this.fill && this.fill.length > 0) this.lend();
    const digests = this.workers.map(
      (w) =>
        new Promise<string[]>((resolve) => {
          w.on('message', (m: { digests?: string[] }) => {
            if (m.digests !== undefined) resolve(m.digests);
          });
          w.postMessage({ end: true });
        }),
    );
    // in the order of the groups: md5 first, then sha512
    void Promise.all(digests).then((lists) => {
      const [checksum, hash] = lists.flat();
      this.checksum = checksum;
      this.hash = hash;
      this.release();
      cb();
    });
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.release();
    cb(err);
  }

  /** Stops the threads and gives the buffers back (once; a thread still reading one only reads). */
  private release(): void {
    this.workers.forEach((w) => void w.terminate());
    this.workers.length = 0;
    if (this.shared) idleBufferSets.push(this.shared);
    this.shared = undefined;
  }
}

/** The virtual (disk) size of an image from its first bytes: qcow2's header, or the size for raw/iso. */
export function virtualSize(diskFormat: string | null, head: Buffer, size: number): number | null {
  if (diskFormat === 'qcow2') {
    if (head.length >= 32 && head.readUInt32BE(0) === 0x514649fb) return Number(head.readBigUInt64BE(24));
    return null;
  }
  if (diskFormat === 'raw' || diskFormat === 'iso') return size;
  return null;
}
