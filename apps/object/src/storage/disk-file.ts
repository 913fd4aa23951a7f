import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, promises as fs, mkdirSync, readdirSync, readFileSync, ReadStream, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { reclaimBodyBuffers } from '@kumo/common/core';
import { BlockHasher, blocksDigest, type SenderDigest, SMALL_BODY_BYTES } from '../common/body-digest';
import { metadataTrailer, type ObjectMetadata, readDataFile } from './data-file';
import { fsyncPath, tmpName, writeDurably, writeStreamed } from './durable-write';

// The parts of an object's files: the `.data` trailer format (data-file.ts), fsynced writes (durable-write.ts),
// partition listings and suffix hashes (suffix-hashes.ts); this file: the state of one object on a device.

export type DiskState =
  /** `body`: the whole body, when the object is small enough to have been read with its metadata */
  | { kind: 'data'; meta: ObjectMetadata; dataPath: string; body?: Buffer }
  | { kind: 'tombstone'; timestamp: string; name?: string }
  /** newest data whose metadata cannot be read (cut short, overwritten): to be quarantined */
  | { kind: 'corrupt'; timestamp: string; reason: string };

export class EtagMismatch extends Error {}
/** The body this node received is not the one its sender hashed (see ObjectServer's trailer digests). */
export class DigestMismatch extends Error {}
export class LengthMismatch extends Error {}

/** The MD5 of a file's first `length` bytes (a body written before its sender's MD5 was known). */
async function fileMd5(path: string, length: number): Promise<string> {
  const md5 = createHash('md5');
  if (length > 0) for await (const chunk of createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) md5.update(chunk);
  return md5.digest('hex');
}

/** The timestamps a hash directory's file names say: newest data or tombstone, newest metadata. */
export function stateOfFiles(files: string[]): { kind: 'data' | 'tombstone'; timestamp: string; metaTimestamp: string } | null {
  let newest: { kind: 'data' | 'tombstone'; timestamp: string } | null = null;
  let meta = '';
  for (const f of files) {
    const m = /^(\d{10}\.\d{5})\.(data|ts|meta\.json)$/.exec(f);
    if (!m) continue;
    if (m[2] === 'meta.json') {
      if (m[1] > meta) meta = m[1];
    } else if (!newest || m[1] > newest.timestamp || (m[1] === newest.timestamp && m[2] === 'ts')) {
      newest = { kind: m[2] === 'ts' ? 'tombstone' : 'data', timestamp: m[1] };
    }
  }
  if (!newest) return null;
  return { ...newest, metaTimestamp: newest.kind === 'data' && meta >= newest.timestamp ? meta : newest.timestamp };
}

/**
 * One object's files on a device, as Swift lays them out:
 * `<devices>/<dev>/objects/<part>/<suffix>/<hash>/` holding `<t>.data` (the body, then the PUT's metadata
 * as a trailer), with `<t2>.meta.json` when a later POST (t2 > t) changed the metadata, or `<t>.ts` for a
 * tombstone (it records the name, so a replicator
 * can push it). The newest file wins — writes are last-writer-wins by X-Timestamp — and everything is
 * fsynced before a write is acknowledged. The file names alone say an object's state, so replicas are
 * compared by hashing directory listings (see suffixHashes).
 */
export class DiskFile {
  readonly dir: string;

  constructor(
    readonly devicesRoot: string,
    readonly device: string,
    readonly partition: number,
    readonly hash: string,
  ) {
    this.dir = join(devicesRoot, device, 'objects', String(partition), hash.slice(-3), hash);
  }

  private files(): string[] {
    try {
      return readdirSync(this.dir);
    } catch {
      return [];
    }
  }

  /** The newest state: the live object's metadata (and a small one's body), a tombstone, or nothing. */
  async current(): Promise<DiskState | null> {
    const files = this.files();
    const state = stateOfFiles(files);
    if (!state) return null;
    if (state.kind === 'tombstone') {
      let raw = '';
      try {
        raw = readFileSync(join(this.dir, `${state.timestamp}.ts`), 'utf8');
      } catch {
        // a tombstone without a readable name still hides the object
      }
      const name = raw ? (JSON.parse(raw) as { name?: string }).name : undefined;
      return { kind: 'tombstone', timestamp: state.timestamp, name };
    }
    const dataPath = join(this.dir, `${state.timestamp}.data`);
    try {
      const metaFile = `${state.metaTimestamp}.meta.json`;
      if (files.includes(metaFile)) {
        // a POST's metadata (or that of a copy written before data files had trailers): the whole of it
        const meta = JSON.parse(readFileSync(join(this.dir, metaFile), 'utf8')) as ObjectMetadata;
        return { kind: 'data', meta: { ...meta, metaTimestamp: meta.metaTimestamp ?? state.metaTimestamp }, dataPath };
      }
      const { meta, body } = readDataFile(dataPath);
      return { kind: 'data', meta, dataPath, body };
    } catch (err) {
      // replaced since the listing was read: as if it had not been there
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      // data without readable metadata cannot be served
      return { kind: 'corrupt', timestamp: state.timestamp, reason: `unreadable metadata: ${(err as Error).message}` };
    }
  }

  /**
   * Streams the body to a temporary file, checks length and (when given) the ETag, fsyncs, then
   * moves it in place. Older files are cleaned up. `metaTimestamp` (replication) keeps a POST's
   * metadata time; it defaults to the data's.
   */
  async write(
    body: Readable,
    meta: Omit<ObjectMetadata, 'etag' | 'contentLength' | 'metaTimestamp'> & {
      metaTimestamp?: string;
      expectedEtag?: string;
      expectedLength?: number;
      /**
       * The sender's digest of the body, known once the body has ended (the proxy's trailers). When
       * given, the body's block CRC-32s are checked against the sender's, and the sender's MD5 is the
       * ETag: this node does not compute it while receiving, unless it is the one that announces it
       * (`announceEtag`), and hashes its written copy only when the sender has none. Undefined (no
       * trailers) means the body is incomplete.
       */
      senderDigest?: () => SenderDigest | undefined;
      /**
       * This node hashes the body for every replica (DIGEST_ANNOUNCE): called with the MD5 once the body
       * is complete and checked, before the write is made durable.
       */
      announceEtag?: (etag: string) => void;
    },
  ): Promise<ObjectMetadata> {
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, tmpName());
    const md5 = meta.senderDigest && !meta.announceEtag ? null : createHash('md5');
    const blocks = new BlockHasher();
    let length = 0;
    const hash = (chunk: Buffer) => {
      reclaimBodyBuffers(chunk.length);
      md5?.update(chunk);
      blocks.update(chunk);
      length += chunk.length;
    };
    // the object's bytes reach the disk before it is named: a body kept in memory and checked first
    // when small, streamed (and fsynced by the stream) otherwise
    const small = meta.expectedLength !== undefined && meta.expectedLength <= SMALL_BODY_BYTES;
    let inMemory: Buffer | undefined;
    let metaTmp: string | undefined;
    try {
      if (small) {
        const chunks: Buffer[] = [];
        for await (const chunk of body as AsyncIterable<Buffer>) {
          hash(chunk);
          if (length > meta.expectedLength!) throw new LengthMismatch(`more than the ${meta.expectedLength} bytes announced`);
          chunks.push(chunk);
        }
        inMemory = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      } else {
        await writeStreamed(tmp, body, hash);
      }
      const blockCrcs = blocks.finish();
      if (meta.expectedLength !== undefined && meta.expectedLength !== length) throw new LengthMismatch(`expected ${meta.expectedLength} bytes, got ${length}`);
      let etag: string;
      if (meta.senderDigest) {
        const sent = meta.senderDigest();
        if (!sent) throw new LengthMismatch('the body ended without its digest trailers');
        const got = blocksDigest(blockCrcs);
        if (sent.blocksCrc32 !== got) throw new DigestMismatch(`block CRC-32s ${got} of the received body, the sender's are ${sent.blocksCrc32}`);
        etag = md5 ? md5.digest('hex') : (sent.etag ?? (inMemory ? createHash('md5').update(inMemory).digest('hex') : await fileMd5(tmp, length)));
        meta.announceEtag?.(etag);
      } else {
        etag = md5!.digest('hex');
      }
      if (meta.expectedEtag && meta.expectedEtag.replace(/"/g, '').toLowerCase() !== etag) throw new EtagMismatch(etag);
      const metaTimestamp = meta.metaTimestamp && meta.metaTimestamp > meta.timestamp ? meta.metaTimestamp : meta.timestamp;
      const full: ObjectMetadata = { name: meta.name, timestamp: meta.timestamp, metaTimestamp, contentType: meta.contentType, headers: meta.headers, etag, contentLength: length, blockCrcs };
      const trailer = metadataTrailer(full);
      const dataWritten = inMemory ? writeDurably(tmp, [inMemory, trailer]) : writeDurably(tmp, trailer, 'a');
      if (metaTimestamp > meta.timestamp) {
        // a replica of an object with a later POST: the same files as its source, so their hashes match
        metaTmp = join(this.dir, tmpName());
        await Promise.all([dataWritten, writeDurably(metaTmp, JSON.stringify(full))]);
        renameSync(metaTmp, join(this.dir, `${metaTimestamp}.meta.json`));
        metaTmp = undefined;
      } else {
        await dataWritten;
      }
      renameSync(tmp, join(this.dir, `${meta.timestamp}.data`));
      await fsyncPath(this.dir);
      this.cleanup();
      return full;
    } catch (err) {
      rmSync(tmp, { force: true });
      if (metaTmp) rmSync(metaTmp, { force: true });
      throw err;
    }
  }

  /** Writes metadata under its own timestamp (fsynced, then renamed into place). */
  private async writeMeta(meta: ObjectMetadata): Promise<void> {
    const tmp = join(this.dir, tmpName());
    try {
      await writeDurably(tmp, JSON.stringify(meta));
      renameSync(tmp, join(this.dir, `${meta.metaTimestamp}.meta.json`));
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  /**
   * New metadata for the live object (POST) at `timestamp`: a new `<timestamp>.meta.json` beside the same
   * data. 'gone' when there is no live object, 'stale' when newer metadata is already there.
   */
  async updateMetadata(timestamp: string, headers: Record<string, string>, contentType?: string): Promise<'ok' | 'gone' | 'stale'> {
    const cur = await this.current();
    if (!cur || cur.kind !== 'data') return 'gone';
    if (cur.meta.metaTimestamp >= timestamp) return 'stale';
    await this.writeMeta({ ...cur.meta, headers, contentType: contentType ?? cur.meta.contentType, metaTimestamp: timestamp });
    await fsyncPath(this.dir);
    this.cleanup();
    return 'ok';
  }

  /** A tombstone at `timestamp`, recording the object's name. */
  async tombstone(timestamp: string, name: string): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    await writeDurably(join(this.dir, `${timestamp}.ts`), JSON.stringify({ name }), 'w');
    await fsyncPath(this.dir);
    this.cleanup();
  }

  /** The bytes start..end (inclusive) of a body; a `.data` file holds more (its metadata trailer). */
  openData(dataPath: string, range: { start: number; end: number }): ReadStream {
    return createReadStream(dataPath, { start: range.start, end: range.end, highWaterMark: 1024 * 1024 });
  }

  /** Moves the whole object directory out of the way (a corrupt copy); the replicator restores it. */
  async quarantine(): Promise<string> {
    const target = join(this.devicesRoot, this.device, 'quarantined', 'objects', `${this.hash}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(join(target, '..'), { recursive: true });
    await fs.rename(this.dir, target);
    return target;
  }

  /** Removes files older than the newest state (and metadata older than the newest metadata). */
  private cleanup(): void {
    const files = this.files();
    const state = stateOfFiles(files);
    if (!state) return;
    for (const f of files) {
      const m = /^(\d{10}\.\d{5})\.(data|ts|meta\.json)$/.exec(f);
      if (!m) continue;
      const stale = m[2] === 'meta.json' ? state.kind === 'tombstone' || m[1] < state.metaTimestamp : m[1] < state.timestamp || (m[2] === 'data' && state.kind === 'tombstone');
      if (stale) rmSync(join(this.dir, f), { force: true });
    }
  }
}
