import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Transform, TransformCallback } from 'node:stream';
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

/**
 * Counts, hashes (MD5 for `checksum`, SHA-512 for `os_hash_value`) and keeps the first bytes of an
 * upload as it streams through; fails with 413 past `maxBytes`.
 */
export class HashingStream extends Transform {
  private readonly md5 = createHash('md5');
  private readonly sha512 = createHash('sha512');
  size = 0;
  head = Buffer.alloc(0);
  checksum = '';
  hash = '';

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    reclaimBodyBuffers(chunk.length);
    if (this.size > this.maxBytes) return cb(new PayloadTooLarge(`Image exceeds the storage quota: the limit is ${this.maxBytes} bytes`));
    this.md5.update(chunk);
    this.sha512.update(chunk);
    if (this.head.length < 512) this.head = Buffer.concat([this.head, chunk.subarray(0, 512 - this.head.length)]);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.checksum = this.md5.digest('hex');
    this.hash = this.sha512.digest('hex');
    cb();
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
