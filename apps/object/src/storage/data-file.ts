import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { SMALL_BODY_BYTES } from '../common/body-digest';

/** Object metadata kept with the data (content type, etag, length, user metadata, timestamps). */
export interface ObjectMetadata {
  /** `/<account>/<container>/<object>` */
  name: string;
  /** X-Timestamp of the data (PUT) */
  timestamp: string;
  /** X-Timestamp of the metadata: the PUT's, or that of a later POST */
  metaTimestamp: string;
  contentType: string;
  contentLength: number;
  etag: string;
  /** Headers kept verbatim: X-Object-Meta-*, Content-Disposition, Content-Encoding, X-Delete-At, ... */
  headers: Record<string, string>;
  /** CRC-32 of every BLOCK_SIZE block of the data (hex), so a read can check each block before sending it */
  blockCrcs?: string[];
}

/*
 * A `.data` file ends with the metadata of its PUT: `<body><metadata JSON><uint32 BE length of the JSON>
 * <TRAILER_MAGIC>`. One file, one fsync and one rename per write (Swift keeps the same metadata in the
 * data file's xattrs); a file cut short has no valid trailer, so it is never taken for a whole object.
 * A later POST writes `<t2>.meta.json` beside it with the whole metadata, which then wins.
 */
const TRAILER_MAGIC = Buffer.from('KUMOMD1\n');
const TRAILER_FIXED = 4 + TRAILER_MAGIC.length;
/** Files up to this size are read whole when their metadata is read (a small GET then reads nothing more). */
const READ_WHOLE_BYTES = SMALL_BODY_BYTES + 16 * 1024;

/** The bytes that end a `.data` file: the metadata, its length and the magic. */
export function metadataTrailer(meta: ObjectMetadata): Buffer {
  const json = Buffer.from(JSON.stringify(meta));
  const fixed = Buffer.alloc(TRAILER_FIXED);
  fixed.writeUInt32BE(json.length, 0);
  TRAILER_MAGIC.copy(fixed, 4);
  return Buffer.concat([json, fixed]);
}

export class CorruptTrailer extends Error {}

/**
 * Reads a `.data` file's metadata from its trailer (and, for a small file, its whole body): the file's
 * size must be the body's length plus the trailer's, or it is not a whole object.
 */
export function readDataFile(path: string): { meta: ObjectMetadata; body?: Buffer } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < TRAILER_FIXED) throw new CorruptTrailer(`${size} bytes is too short for a metadata trailer`);
    // small files in one read; big ones: their last 64 KiB, then more when the metadata is longer
    const whole = size <= READ_WHOLE_BYTES;
    let tailLength = whole ? size : Math.min(size, 64 * 1024);
    let tail = readAt(fd, size - tailLength, tailLength);
    if (!tail.subarray(tail.length - TRAILER_MAGIC.length).equals(TRAILER_MAGIC)) throw new CorruptTrailer('no metadata trailer');
    const jsonLength = tail.readUInt32BE(tail.length - TRAILER_FIXED);
    if (jsonLength + TRAILER_FIXED > size) throw new CorruptTrailer(`a ${jsonLength}-byte metadata trailer in a ${size}-byte file`);
    if (jsonLength + TRAILER_FIXED > tailLength) {
      tailLength = jsonLength + TRAILER_FIXED;
      tail = readAt(fd, size - tailLength, tailLength);
    }
    const jsonEnd = tail.length - TRAILER_FIXED;
    const meta = JSON.parse(tail.subarray(jsonEnd - jsonLength, jsonEnd).toString('utf8')) as ObjectMetadata;
    const bodyLength = size - jsonLength - TRAILER_FIXED;
    if (meta.contentLength !== bodyLength) throw new CorruptTrailer(`a ${bodyLength}-byte body whose metadata says ${meta.contentLength}`);
    return { meta, body: whole ? tail.subarray(0, bodyLength) : undefined };
  } finally {
    closeSync(fd);
  }
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let off = 0;
  while (off < length) {
    const n = readSync(fd, buf, off, length - off, position + off);
    if (n === 0) throw new CorruptTrailer('the file shrank while being read');
    off += n;
  }
  return buf;
}
