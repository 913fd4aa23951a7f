import { createHash, Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Transform, TransformCallback } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { PayloadTooLarge, reclaimBodyBuffers } from '@kumo/common';

/** Where an image's bytes live. Implementations never leave partial data behind when `put` fails. */
export interface ImageStore {
  readonly name: 'file' | 'object';
  /** Streams the body into the store; resolves with the location once everything is durable. */
  put(imageId: string, body: Readable): Promise<string>;
  /** The bytes start..end (inclusive) or all of them; DataMissing when the store lost them. */
  get(location: string, range?: { start: number; end: number }): Promise<Readable>;
  /** Removes the data (nothing to remove is fine). */
  delete(location: string): Promise<void>;
}

/** The store has no data at a location the database points to. */
export class DataMissing extends Error {}

/** The hashing thread: MD5 and SHA-512 of the buffers it is lent, in order; answers the digests at the end. */
const HASH_WORKER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const md5 = createHash('md5');
const sha512 = createHash('sha512');
parentPort.on('message', (m) => {
  if (m.buf) {
    const b = Buffer.from(m.buf, 0, m.len);
    md5.update(b);
    sha512.update(b);
    parentPort.postMessage({ buf: m.buf }, [m.buf]);
  } else {
    parentPort.postMessage({ checksum: md5.digest('hex'), hash: sha512.digest('hex') });
  }
});
`;

/** Uploads at least this big (or of unknown size) are hashed on a thread of their own. */
const THREAD_HASHING_MIN_BYTES = 8 * 1024 * 1024;
const HASH_BUFFER_BYTES = 1024 * 1024;
const HASH_BUFFERS = 4;

/**
 * Counts, hashes (MD5 for `checksum`, SHA-512 for `os_hash_value`) and keeps the first bytes of an
 * upload as it streams through; fails with 413 past `maxBytes`.
 *
 * The two hashes cost ~2.4 ms of CPU per MB, more than everything else an upload does, so for big
 * uploads they run on a worker thread while this one receives and stores: the bytes are copied into
 * one of four 1 MiB buffers that are lent to the worker (transferred, not copied) and come back once
 * hashed; with all four out, the stream waits, so memory stays bounded and the upload is paced by
 * the hashing. Small uploads hash inline (a thread costs ~30 ms to start).
 */
export class HashingStream extends Transform {
  size = 0;
  head = Buffer.alloc(0);
  checksum = '';
  hash = '';
  private readonly inline?: { md5: Hash; sha512: Hash };
  private readonly worker?: Worker;
  private readonly free: ArrayBuffer[] = [];
  private lent = 0;
  private fill?: { buf: ArrayBuffer; len: number };
  private waiting?: () => void;
  private digests?: (d: { checksum: string; hash: string }) => void;

  constructor(
    private readonly maxBytes: number,
    expectedBytes?: number,
  ) {
    super();
    if (expectedBytes !== undefined && expectedBytes < THREAD_HASHING_MIN_BYTES) {
      this.inline = { md5: createHash('md5'), sha512: createHash('sha512') };
      return;
    }
    this.worker = new Worker(HASH_WORKER, { eval: true });
    this.worker.on('message', (m: { buf?: ArrayBuffer; checksum?: string; hash?: string }) => {
      if (m.buf) {
        this.lent--;
        this.free.push(m.buf);
        const resume = this.waiting;
        this.waiting = undefined;
        resume?.();
      } else this.digests?.({ checksum: m.checksum!, hash: m.hash! });
    });
    this.worker.on('error', (err) => this.destroy(err));
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
    this.copyToWorker(chunk, 0, () => cb(null, chunk));
  }

  /** Copies chunk[from..] into lent buffers, waiting for one to come back when all are out. */
  private copyToWorker(chunk: Buffer, from: number, done: () => void): void {
    let off = from;
    while (off < chunk.length) {
      if (!this.fill) {
        const buf = this.free.pop() ?? (this.lent + this.free.length < HASH_BUFFERS ? new ArrayBuffer(HASH_BUFFER_BYTES) : undefined);
        if (!buf) {
          this.waiting = () => this.copyToWorker(chunk, off, done);
          return;
        }
        this.fill = { buf, len: 0 };
      }
      const n = Math.min(HASH_BUFFER_BYTES - this.fill.len, chunk.length - off);
      chunk.copy(Buffer.from(this.fill.buf), this.fill.len, off, off + n);
      this.fill.len += n;
      off += n;
      if (this.fill.len === HASH_BUFFER_BYTES) this.lend();
    }
    done();
  }

  private lend(): void {
    const f = this.fill!;
    this.fill = undefined;
    this.lent++;
    this.worker!.postMessage({ buf: f.buf, len: f.len }, [f.buf]);
  }

  override _flush(cb: TransformCallback): void {
    if (this.inline) {
      this.checksum = this.inline.md5.digest('hex');
      this.hash = this.inline.sha512.digest('hex');
      return cb();
    }
    if (this.fill && this.fill.len > 0) this.lend();
    this.digests = (d) => {
      this.checksum = d.checksum;
      this.hash = d.hash;
      void this.worker!.terminate();
      cb();
    };
    this.worker!.postMessage({ end: true });
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    void this.worker?.terminate();
    cb(err);
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
