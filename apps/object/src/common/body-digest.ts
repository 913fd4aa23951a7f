import { crc32 } from 'node:zlib';

/*
 * What the proxy and the storage nodes agree on about a body: the unit of block checksums, the CRC-32s
 * the proxy sends as trailers after a streamed body, and the size up to which a body travels whole.
 */

/** Bodies up to this size are received in memory, checked, then written in one call. */
export const SMALL_BODY_BYTES = 64 * 1024;

/** The unit in which reads are verified (see ObjectMetadata.blocks). */
export const BLOCK_SIZE = 1024 * 1024;

/** A block's CRC-32 as stored: 8 hex digits. */
export function crcHex(crc: number): string {
  return crc.toString(16).padStart(8, '0');
}

/**
 * CRC-32 per BLOCK_SIZE block of a stream (the last block may be short). CRC-32 (zlib's, ~10x the speed
 * of MD5 here) catches the corruption the auditor looks for; the object's MD5 stays its identity.
 */
export class BlockHasher {
  readonly blocks: string[] = [];
  private crc = 0;
  private filled = 0;

  update(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(BLOCK_SIZE - this.filled, chunk.length - off);
      this.crc = crc32(chunk.subarray(off, off + n), this.crc);
      this.filled += n;
      off += n;
      if (this.filled === BLOCK_SIZE) this.close();
    }
  }

  private close(): void {
    this.blocks.push(crcHex(this.crc));
    this.crc = 0;
    this.filled = 0;
  }

  finish(): string[] {
    if (this.filled > 0) this.close();
    return this.blocks;
  }
}

/**
 * What a proxy says of a body it sent, after the body: its MD5 (the ETag) and `blocksCrc32`, the CRC-32
 * of its block CRCs (blocksDigest), which a node gets from the block CRCs it computes anyway: the body
 * is checked in the same single pass that makes its block checksums.
 */
export interface SenderDigest {
  etag: string;
  blocksCrc32: string;
}

/** The CRC-32 (8 hex digits) of a body's block CRCs, as BlockHasher.finish gives them. */
export function blocksDigest(blocks: string[]): string {
  return crcHex(crc32(blocks.join('')));
}
