import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import type { Logger } from '@kumo/common';
import { reclaimBodyBuffers } from '@kumo/common/core';
import type { HashPath } from '../ring/ring';
import { AsyncPendings, ContainerUpdate } from './container-updates';
import { BLOCK_SIZE, crc32, crcHex, DIGEST_ANNOUNCE, DIGEST_TRAILERS, SenderDigest, SMALL_BODY_BYTES } from '../common/body-digest';
import type { ObjectMetadata } from './data-file';
import { DigestMismatch, DiskFile, EtagMismatch, LengthMismatch } from './disk-file';
import { partitionListing, SuffixHashCache } from './suffix-hashes';
import { hashPath } from './hash';
import { normalizeTimestamp } from '../common/timestamp';

/** Headers an object keeps verbatim. */
export const OBJECT_HEADERS = /^(x-object-meta-|content-disposition$|content-encoding$|x-delete-at$|x-object-manifest$|x-static-large-object$)/;

export interface ObjectServerOptions {
  devicesRoot: string;
  hashPath: HashPath;
  logger: Logger;
  /** objects up to this size are checked against their ETag before a GET sends a byte (default 4 MiB) */
  verifyOnReadMaxBytes?: number;
  /** true outside the node's own process (kumo-object-daemon): changes are recorded for the node's hash cache */
  persistInvalidations?: boolean;
}

export function send(res: ServerResponse, status: number, headers: Record<string, string | number> = {}, body?: string | Buffer): void {
  res.writeHead(status, { 'content-length': body ? Buffer.byteLength(body) : 0, ...headers });
  res.end(body);
}

export function timestampOf(req: IncomingMessage, header = 'x-timestamp'): string {
  const ts = req.headers[header];
  if (typeof ts !== 'string') throw Object.assign(new Error(`missing ${header}`), { status: 400 });
  try {
    return normalizeTimestamp(ts);
  } catch {
    throw Object.assign(new Error(`invalid ${header}`), { status: 400 });
  }
}

function keptHeaders(req: IncomingMessage): Record<string, string> {
  return Object.fromEntries(Object.entries(req.headers).filter(([k]) => OBJECT_HEADERS.test(k)).map(([k, v]) => [k, String(v)]));
}

/**
 * The proxy's digest of a PUT body, sent as trailers after it (`X-Backend-Digest`, see DIGEST_ANNOUNCE):
 * the CRC-32 of the body's 1 MiB block CRCs, which each node checks its copy against with the block
 * CRCs it computes anyway, and the MD5 computed once for all replicas (three MD5s of the same bytes
 * cost more CPU than the whole rest of a large PUT), unless this node is the one computing it.
 * Undefined when missing or malformed.
 */
function trailerDigest(req: IncomingMessage): SenderDigest | undefined {
  const etag = req.trailers['x-backend-etag'];
  const crc = req.trailers['x-backend-blocks-crc32'];
  if (!crc || !/^[0-9a-f]{8}$/.test(crc) || (etag !== undefined && !/^[0-9a-f]{32}$/.test(etag))) return undefined;
  return { etag, blocksCrc32: crc };
}

/**
 * Tells the proxy the MD5 of the body this node hashed for all replicas (DIGEST_ANNOUNCE), before the
 * final answer (which waits for the fsync): an interim 102 with `X-Backend-Etag` (Node's HTTP server
 * writes no headers on a 102 of its own, its client reports it as an 'information' event).
 */
function announceEtag(res: ServerResponse, etag: string): void {
  if (!res.headersSent && res.socket && !res.socket.destroyed) res.socket.write(`HTTP/1.1 102 Processing\r\nX-Backend-Etag: ${etag}\r\n\r\n`);
}

/** An entry of the expiring-objects index: `<dev>/expiring/<delete-at>-<part>-<hash>.json`. */
export interface ExpiringEntry {
  deleteAt: number;
  partition: number;
  hash: string;
  name: string;
  container?: Omit<ContainerUpdate, 'op' | 'timestamp' | 'size' | 'contentType' | 'etag'>;
}

/**
 * The object server of a storage node: Swift's backend protocol on `/<device>/<partition>/<a>/<c>/<o>`
 * (PUT/GET/HEAD/POST/DELETE, last writer wins by X-Timestamp), container updates with async pendings,
 * the expiring-objects index for X-Delete-At, and the partition hashes the replicator compares (Swift's
 * REPLICATE, here `GET /<device>/<partition>`).
 * Requests carrying `X-Backend-Replication: true` come from a replicator: they keep the sender's
 * timestamps and do not update containers.
 */
export class ObjectServer {
  readonly pendings: AsyncPendings;
  /** Suffix hashes for the replicator, kept current by this server's writes. */
  readonly hashes: SuffixHashCache;

  constructor(private readonly opts: ObjectServerOptions) {
    this.pendings = new AsyncPendings(opts.devicesRoot, opts.logger);
    this.hashes = new SuffixHashCache(opts.devicesRoot, { persist: opts.persistInvalidations });
  }

  async handle(req: IncomingMessage, res: ServerResponse, parts: string[]): Promise<void> {
    const [device, part, account, container, ...rest] = parts;
    if (!device || !part || !/^\d+$/.test(part) || device.includes('..')) return send(res, 400, {}, 'bad path');
    // Swift's REPLICATE verb (Node's HTTP parser knows no such method): GET on the partition itself
    if (account === undefined && req.method === 'GET') return this.replicate(res, device, Number(part), new URL(req.url ?? '/', 'http://x').searchParams.get('suffixes') ?? undefined);
    const object = rest.join('/');
    if (!account || !container || !object) return send(res, 400, {}, 'bad path');
    const name = `/${account}/${container}/${object}`;
    const file = new DiskFile(this.opts.devicesRoot, device, Number(part), hashPath(this.opts.hashPath, account, container, object));
    const replication = req.headers['x-backend-replication'] === 'true';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      // whatever this request changes, the partition's suffix hash must be recomputed
      res.once('finish', () => this.hashes.invalidate(device, Number(part), file.hash.slice(-3)));
    }
    const cur = await file.current();
    const curTs = cur ? (cur.kind === 'data' ? cur.meta.timestamp : cur.timestamp) : '';
    switch (req.method) {
      case 'PUT': {
        const ts = timestampOf(req);
        if (replication && cur?.kind === 'data' && curTs === ts) {
          // same data; the sender may have newer metadata
          req.resume();
          const metaTs = timestampOf(req, 'x-backend-meta-timestamp');
          const r = await file.updateMetadata(metaTs, keptHeaders(req), req.headers['content-type']);
          return send(res, r === 'ok' ? 201 : 409, { 'x-backend-timestamp': curTs });
        }
        if (curTs >= ts) {
          req.resume();
          return send(res, 409, { 'x-backend-timestamp': curTs });
        }
        const declared = req.headers['content-length'] ?? req.headers['x-backend-content-length'];
        const length = declared !== undefined ? Number(declared) : undefined;
        const digest = req.headers['x-backend-digest'];
        try {
          const meta = await file.write(req, {
            name,
            timestamp: ts,
            metaTimestamp: replication && req.headers['x-backend-meta-timestamp'] ? timestampOf(req, 'x-backend-meta-timestamp') : undefined,
            contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
            headers: keptHeaders(req),
            expectedEtag: req.headers.etag as string | undefined,
            expectedLength: length,
            senderDigest: !replication && (digest === DIGEST_TRAILERS || digest === DIGEST_ANNOUNCE) ? () => trailerDigest(req) : undefined,
            announceEtag: !replication && digest === DIGEST_ANNOUNCE ? (etag) => announceEtag(res, etag) : undefined,
          });
          const target = this.containerTarget(req, account, container, object);
          if (meta.headers['x-delete-at']) await this.indexExpiring(device, { deleteAt: Number(meta.headers['x-delete-at']), partition: Number(part), hash: file.hash, name, container: target });
          if (!replication && target) await this.pendings.update(device, { ...target, op: 'PUT', timestamp: ts, size: meta.contentLength, contentType: meta.contentType, etag: meta.etag });
          return send(res, 201, { etag: meta.etag });
        } catch (err) {
          if (err instanceof EtagMismatch) return send(res, 422, {}, 'etag mismatch');
          if (err instanceof LengthMismatch) return send(res, 499, {}, 'client disconnected');
          if (err instanceof DigestMismatch) {
            this.opts.logger.warn({ object: name, device, reason: err.message }, 'object PUT: body damaged in transit, not stored');
            return send(res, 503, {}, 'body damaged in transit');
          }
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET') return send(res, 499, {}, 'client disconnected');
          throw err;
        }
      }
      case 'GET':
      case 'HEAD': {
        if (cur?.kind === 'corrupt') {
          // the proxy reads another replica; the replicator restores this one
          await this.quarantine(file, cur.reason);
          return send(res, 404);
        }
        if (!cur || cur.kind !== 'data') return send(res, 404, cur ? { 'x-backend-timestamp': cur.timestamp } : {});
        const m = cur.meta;
        const deleteAt = Number(m.headers['x-delete-at'] ?? 0);
        if (deleteAt && deleteAt <= Date.now() / 1000) return send(res, 404, { 'x-backend-timestamp': m.timestamp });
        const headers: Record<string, string | number> = {
          'content-type': m.contentType,
          etag: m.etag,
          'x-timestamp': m.timestamp,
          'x-backend-timestamp': m.timestamp,
          'x-backend-meta-timestamp': m.metaTimestamp,
          'last-modified': new Date(Math.ceil(Number(m.timestamp)) * 1000).toUTCString(),
          ...m.headers,
        };
        if (req.method === 'HEAD') return send(res, 200, { ...headers, 'content-length': m.contentLength });
        const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers['x-backend-range'] ?? ''));
        if (range) {
          // part of the object (the proxy resuming a read another node could not finish)
          const start = Number(range[1]);
          const end = Math.min(Number(range[2]), m.contentLength - 1);
          if (start > end) return send(res, 416);
          res.writeHead(206, { ...headers, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${m.contentLength}` });
          return this.streamVerified(res, file, cur.dataPath, m, start, end);
        }
        return this.serveData(res, file, cur.dataPath, m, headers, cur.body);
      }
      case 'POST': {
        const ts = timestampOf(req);
        // a POST replaces the user's metadata; what the system set at PUT (an SLO manifest's flag) stays
        const headers = keptHeaders(req);
        delete headers['x-static-large-object'];
        if (cur?.kind === 'data' && cur.meta.headers['x-static-large-object']) headers['x-static-large-object'] = cur.meta.headers['x-static-large-object'];
        const r = await file.updateMetadata(ts, headers, req.headers['content-type']);
        if (r === 'ok' && cur?.kind === 'data') {
          const deleteAt = req.headers['x-delete-at'];
          if (deleteAt) await this.indexExpiring(device, { deleteAt: Number(deleteAt), partition: Number(part), hash: file.hash, name, container: this.containerTarget(req, account, container, object) });
        }
        return send(res, r === 'gone' ? 404 : 202, cur ? { 'x-backend-timestamp': curTs } : {});
      }
      case 'DELETE': {
        const ts = timestampOf(req);
        const existed = cur?.kind === 'data';
        if (curTs >= ts) return send(res, 409, { 'x-backend-timestamp': curTs });
        await file.tombstone(ts, name);
        const target = this.containerTarget(req, account, container, object);
        if (!replication && target) await this.pendings.update(device, { ...target, op: 'DELETE', timestamp: ts, size: 0 });
        return send(res, existed ? 204 : 404);
      }
      default:
        return send(res, 405);
    }
  }

  /**
   * Sends the object's bytes, never one that fails its checksum. Small objects are read whole and checked
   * against their ETag first, so a corrupt replica answers 404 (the proxy tries the next) and is
   * quarantined. Bigger ones are checked block by block (ObjectMetadata.blocks) before each block is
   * sent; a bad block cuts the response there and quarantines the copy, and the proxy finishes the read
   * from another replica. (`x-backend-verified: blocks` tells the proxy a cut response's bytes were good.)
   */
  private async serveData(res: ServerResponse, file: DiskFile, dataPath: string, m: ObjectMetadata, headers: Record<string, string | number>, read?: Buffer): Promise<void> {
    const length = m.contentLength;
    if (length <= (this.opts.verifyOnReadMaxBytes ?? 4 * 1024 * 1024)) {
      // small ones read in one blocking call (see SMALL_BODY_BYTES); bigger ones through the thread pool
      // the file holds the metadata after the body (see readDataFile)
      const body = read ?? (length <= SMALL_BODY_BYTES ? readFileSync(dataPath) : await fs.readFile(dataPath)).subarray(0, length);
      if (body.length !== length || createHash('md5').update(body).digest('hex') !== m.etag) {
        await this.quarantine(file, 'checksum mismatch on read');
        return send(res, 404);
      }
      res.writeHead(200, { ...headers, 'content-length': length });
      return void res.end(body);
    }
    res.writeHead(200, { ...headers, 'content-length': length, ...(m.blockCrcs ? { 'x-backend-verified': 'blocks' } : {}) });
    this.streamVerified(res, file, dataPath, m, 0, length - 1);
  }

  /**
   * Streams bytes start..end (inclusive). With block checksums, whole blocks are read, checked, and only
   * then the wanted part of each is sent; without them (data written before blocks existed) the whole
   * object's MD5 is checked and the last chunk held back until it matches.
   */
  private streamVerified(res: ServerResponse, file: DiskFile, dataPath: string, m: ObjectMetadata, start: number, end: number): void {
    // the copy is out of the way before the cut response is: whoever reads again gets another replica
    const fail = (why: string) => void this.quarantine(file, why).finally(() => res.destroy());
    const blocks = m.blockCrcs;
    if (blocks && blocks.length === Math.ceil(m.contentLength / BLOCK_SIZE)) {
      const first = Math.floor(start / BLOCK_SIZE);
      let index = first;
      let pending: Buffer[] = [];
      let filled = 0;
      let crc = 0;
      const blockLength = (i: number) => Math.min(BLOCK_SIZE, m.contentLength - i * BLOCK_SIZE);
      const check = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          reclaimBodyBuffers(chunk.length);
          let off = 0;
          while (off < chunk.length) {
            const piece = chunk.subarray(off, off + blockLength(index) - filled);
            pending.push(piece);
            crc = crc32(piece, crc);
            filled += piece.length;
            off += piece.length;
            if (filled === blockLength(index)) {
              // the whole block is here and checked: only now does any of it leave
              if (crcHex(crc) !== blocks[index]) return cb(new Error(`block ${index} checksum mismatch`));
              let pos = index * BLOCK_SIZE;
              for (const p of pending) {
                const from = Math.max(0, start - pos);
                const to = Math.min(p.length, end + 1 - pos);
                if (to > from) this.push(from === 0 && to === p.length ? p : p.subarray(from, to));
                pos += p.length;
              }
              index++;
              pending = [];
              filled = 0;
              crc = 0;
            }
          }
          cb();
        },
        flush(cb) {
          cb(filled > 0 || index * BLOCK_SIZE <= end ? new Error('data shorter than its metadata') : undefined);
        },
      });
      const input = file.openData(dataPath, { start: first * BLOCK_SIZE, end: Math.min(m.contentLength - 1, Math.ceil((end + 1) / BLOCK_SIZE) * BLOCK_SIZE - 1) });
      input.on('error', () => res.destroy());
      check.on('error', (err) => fail(err.message));
      input.pipe(check).pipe(res);
      return;
    }
    const md5 = createHash('md5');
    let held: Buffer | undefined;
    let seen = 0;
    const whole = start === 0 && end === m.contentLength - 1;
    const check = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        md5.update(chunk);
        seen += chunk.length;
        const out = held;
        held = chunk;
        cb(null, whole ? out : chunk);
      },
      flush(cb) {
        if (whole && (seen !== m.contentLength || md5.digest('hex') !== m.etag)) return cb(new Error('checksum mismatch on read'));
        cb(null, whole ? held : undefined);
      },
    });
    const input = file.openData(dataPath, { start, end });
    input.on('error', () => res.destroy());
    check.on('error', (err) => fail(err.message));
    input.pipe(check).pipe(res);
  }

  async quarantine(file: DiskFile, reason: string): Promise<void> {
    try {
      const to = await file.quarantine();
      this.hashes.invalidate(file.device, file.partition, file.hash.slice(-3));
      this.opts.logger.warn({ device: file.device, partition: file.partition, hash: file.hash, to, reason }, 'object quarantined');
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message, hash: file.hash }, 'quarantine failed');
    }
  }

  /** GET /<dev>/<part>: suffix hashes; GET /<dev>/<part>?suffixes=<sfx>[-<sfx>...]: those suffixes' file lists. */
  private async replicate(res: ServerResponse, device: string, part: number, suffixes?: string): Promise<void> {
    if (suffixes) {
      const wanted = suffixes.split('-').filter((s) => /^[0-9a-f]{3}$/.test(s));
      const listing = await partitionListing(this.opts.devicesRoot, device, part, wanted);
      const body: Record<string, string[]> = {};
      for (const hashes of listing.values()) for (const [hash, files] of hashes) body[hash] = files;
      return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify(body));
    }
    return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify(await this.hashes.get(device, part)));
  }

  private containerTarget(req: IncomingMessage, account: string, container: string, object: string): ExpiringEntry['container'] {
    const host = req.headers['x-container-host'];
    const dev = req.headers['x-container-device'];
    const part = req.headers['x-container-partition'];
    if (typeof host !== 'string' || typeof dev !== 'string' || typeof part !== 'string') return undefined;
    return { account, container, object, host, device: dev, partition: part };
  }

  private async indexExpiring(device: string, entry: ExpiringEntry): Promise<void> {
    if (!Number.isFinite(entry.deleteAt) || entry.deleteAt <= 0) return;
    const dir = join(this.opts.devicesRoot, device, 'expiring');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(join(dir, `${String(entry.deleteAt).padStart(10, '0')}-${entry.partition}-${entry.hash}.json`), JSON.stringify(entry));
  }

  /**
   * The expirer's pass over a device: objects whose X-Delete-At has passed get a tombstone at that time
   * (every replica picks the same timestamp) and leave their container listing.
   */
  async expireOnce(device: string, now = Date.now() / 1000): Promise<number> {
    const dir = join(this.opts.devicesRoot, device, 'expiring');
    const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
    let expired = 0;
    for (const n of names) {
      if (Number(n.slice(0, 10)) > now) break;
      const path = join(dir, n);
      const entry = JSON.parse(await fs.readFile(path, 'utf8').catch(() => '{}')) as ExpiringEntry;
      if (entry.hash) {
        const file = new DiskFile(this.opts.devicesRoot, device, entry.partition, entry.hash);
        const cur = await file.current();
        const ts = normalizeTimestamp(entry.deleteAt);
        if (cur?.kind === 'data' && Number(cur.meta.headers['x-delete-at']) === entry.deleteAt && cur.meta.timestamp < ts) {
          await file.tombstone(ts, entry.name);
          this.hashes.invalidate(device, entry.partition, entry.hash.slice(-3));
          if (entry.container) await this.pendings.update(device, { ...entry.container, op: 'DELETE', timestamp: ts, size: 0 });
          expired++;
        }
      }
      await fs.rm(path, { force: true });
    }
    return expired;
  }
}
