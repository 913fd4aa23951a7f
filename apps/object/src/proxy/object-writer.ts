import { createHash } from 'node:crypto';
import { ClientRequest, request } from 'node:http';
import type { Readable } from 'node:stream';
import type { Logger } from '@kumo/common';
import { reclaimBodyBuffers } from '@kumo/common';
import type { Ring } from '../ring/ring';
import type { RingDevice } from '../ring/ring-types';
import { backendAgent, backendRequest, devicePath } from '../common/backend';
import { BlockHasher, blocksDigest, SMALL_BODY_BYTES } from '../common/body-digest';
import { nowTimestamp } from '../common/timestamp';
import type { BackendClient } from './backend-client';
import { quorum, quorumOrAll } from './quorum';
import { SwiftError } from './swift-errors';

/** How long a storage node has to accept a PUT (100 Continue) before a handoff takes its place. */
const CONNECT_TIMEOUT_MS = 3_000;
/** How long a node may take to store a small object before its handoff is tried. */
const SMALL_PUT_TIMEOUT_MS = 10_000;

/** A client's body of `length` bytes (at most SMALL_BODY_BYTES) read whole; 499 when the client leaves. */
async function readSmallBody(body: Readable, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      got += chunk.length;
    }
  } catch {
    throw new SwiftError(499);
  }
  if (got !== length) throw new SwiftError(499);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

export interface ObjectWriterOptions {
  objectRing: Ring;
  backends: BackendClient;
  logger: Logger;
  /** see ProxyOptions.postQuorumMs */
  postQuorumMs?: number;
}

/**
 * The PUT data path (Swift's object controller's putters): an object's body to its replicas at once,
 * small bodies whole, larger ones streamed with 100-continue, backpressure and digest trailers.
 */
export class ObjectWriter {
  constructor(private readonly opts: ObjectWriterOptions) {}

  /**
   * Writes an object to its replicas (handoffs standing in for primaries that are down) and returns once
   * a quorum stored it: the stored ETag and the X-Timestamp it was written at. `headers` are the
   * object's (content type, metadata); `length` undefined means a chunked body.
   */
  async write(names: string[], body: Readable, objectHeaders: Record<string, string>, length: string | undefined): Promise<{ etag: string; timestamp: string }> {
    const timestamp = nowTimestamp();
    const headers: Record<string, string> = { ...objectHeaders, 'x-timestamp': timestamp };
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    const { part, nodes } = this.opts.objectRing.getNodes(names[0], names[1], names[2]);
    const updates = this.opts.backends.containerUpdateHeaders(names[0], names[1]);
    const target = (dev: RingDevice, i: number) => ({ path: devicePath(dev, part, ...names), headers: { ...headers, ...(updates[i] ?? {}) } });
    let results: Array<{ status: number; etag?: string }>;
    if (length !== undefined && Number(length) <= SMALL_BODY_BYTES) {
      // small: read whole, then one plain request per replica (no 100-continue round trip; a body in
      // memory can be sent again to a handoff)
      const data = await readSmallBody(body, Number(length));
      headers['content-length'] = String(data.length);
      results = await this.sendToNodes(data, part, nodes, target);
    } else {
      // chunked, so the body can be followed by its digest (streamToNodes); the length still checked
      headers['transfer-encoding'] = 'chunked';
      headers['x-backend-digest'] = 'trailers';
      headers.trailer = 'X-Backend-Etag, X-Backend-Blocks-Crc32';
      if (length !== undefined) headers['x-backend-content-length'] = length;
      results = await this.streamToNodes(body, part, nodes, target);
    }
    const need = quorum(this.opts.objectRing.replicas);
    const ok = results.filter((x) => x.status === 201);
    if (results.some((x) => x.status === 422)) throw new SwiftError(422);
    if (results.filter((x) => x.status === 499).length >= need) throw new SwiftError(499);
    if (ok.length < need) throw new SwiftError(503, `Object PUT reached ${ok.length} of ${need} replicas`);
    return { etag: String(ok[0].etag ?? ''), timestamp };
  }

  /**
   * Sends a body held in memory to every replica at once; a primary that fails (down, timed out, 5xx,
   * 507) is replaced by the ring's next handoff, which gets the same bytes.
   */
  private sendToNodes(
    data: Buffer,
    part: number,
    primaries: RingDevice[],
    target: (dev: RingDevice, i: number) => { path: string; headers: Record<string, string> },
  ): Promise<Array<{ status: number; etag?: string }>> {
    const handoffs = this.opts.objectRing.getMoreNodes(part);
    return quorumOrAll(
      primaries.map(async (primary, i) => {
        let dev: RingDevice | undefined = primary;
        while (dev) {
          const t = target(dev, i);
          const r = await backendRequest(dev, dev.port, 'PUT', t.path, t.headers, SMALL_PUT_TIMEOUT_MS, data);
          if (r.status < 500 && r.status !== 507) return { status: r.status, etag: r.headers.etag as string | undefined };
          this.opts.logger.warn({ device: dev.device, ip: dev.ip, port: dev.port, status: r.status }, 'object PUT: node unavailable, trying a handoff');
          // handoffs are taken one at a time, in ring order, so concurrent replacements never share one
          const next = handoffs.next();
          dev = next.done ? undefined : next.value;
        }
        return { status: 503 };
      }),
      quorum(this.opts.objectRing.replicas),
      this.opts.postQuorumMs,
    );
  }

  /**
   * Opens a PUT to one node and waits for its `100 Continue`: null when the node cannot take it (down,
   * timed out, 507), or its final answer when it refuses before the body (409: it has newer data).
   */
  private connectNode(dev: RingDevice, path: string, headers: Record<string, string>): Promise<{ out: ClientRequest; dev: RingDevice } | { status: number } | null> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (v: { out: ClientRequest; dev: RingDevice } | { status: number } | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(v);
      };
      const out = request({ host: dev.ip, port: dev.port, method: 'PUT', path, headers: { ...headers, expect: '100-continue' }, agent: backendAgent, timeout: 60_000 });
      const timer = setTimeout(() => {
        out.destroy(new Error('connect timeout'));
        settle(null);
      }, CONNECT_TIMEOUT_MS);
      out.once('continue', () => settle({ out, dev }));
      out.once('response', (res) => {
        res.resume();
        if (!settled) settle(res.statusCode === 507 || (res.statusCode ?? 500) >= 500 ? null : { status: res.statusCode ?? 500 });
      });
      out.on('error', () => settle(null));
      out.flushHeaders();
    });
  }

  /**
   * Streams the client's body to every replica at once, pacing the client to the slowest node, and
   * follows it with its MD5 and CRC-32 as trailers: the MD5 is computed here once instead of on every
   * node, and each node checks its copy's CRC-32 against this one (see the object server). A primary
   * that cannot take the write is replaced by the next handoff node (same partition; the replicator moves
   * the copy home later). Fails fast, before reading the body, when fewer than a quorum can take it.
   */
  private async streamToNodes(
    source: Readable,
    part: number,
    primaries: RingDevice[],
    target: (dev: RingDevice, i: number) => { path: string; headers: Record<string, string> },
  ): Promise<Array<{ status: number; etag?: string }>> {
    const handoffs = this.opts.objectRing.getMoreNodes(part);
    const connected = await Promise.all(
      primaries.map(async (dev, i) => {
        const first = await this.connectNode(dev, target(dev, i).path, target(dev, i).headers);
        if (first) return first;
        this.opts.logger.warn({ device: dev.device, ip: dev.ip, port: dev.port }, 'object PUT: primary unavailable, trying a handoff');
        return null;
      }),
    );
    // handoffs are taken one at a time, in ring order, so concurrent replacements never share one
    for (let i = 0; i < connected.length; i++) {
      while (connected[i] === null) {
        const next = handoffs.next();
        if (next.done) break;
        connected[i] = await this.connectNode(next.value, target(next.value, i).path, target(next.value, i).headers);
      }
    }
    const results: Array<{ status: number; etag?: string }> = connected.map((c) => (c && 'status' in c ? { status: c.status } : { status: 0 }));
    const live = connected.map((c, i) => (c && 'out' in c ? { out: c.out, i } : null)).filter((x): x is { out: ClientRequest; i: number } => x !== null);
    for (let i = 0; i < results.length; i++) if (connected[i] === null) results[i] = { status: 503 };
    if (live.length < quorum(this.opts.objectRing.replicas)) {
      // answered before the body is read (the client's connection is closed rather than drained)
      live.forEach((l) => l.out.destroy());
      return results;
    }
    const answers = results.map((r) => Promise.resolve(r));
    for (const { out, i } of live) {
      answers[i] = new Promise((resolve) => {
        const done = (status: number, etag?: string) => {
          if (results[i].status !== 0) return;
          results[i] = { status, etag };
          resolve(results[i]);
        };
        out.on('response', (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode ?? 500, res.headers.etag as string | undefined));
        });
        out.on('error', () => done(503));
      });
    }
    const writing = () => live.filter(({ i }) => results[i].status === 0);
    const md5 = createHash('md5');
    const blocks = new BlockHasher();
    source.on('data', (chunk: Buffer) => {
      reclaimBodyBuffers(chunk.length);
      md5.update(chunk);
      blocks.update(chunk);
      let blocked = 0;
      for (const { out } of writing()) {
        if (!out.write(chunk)) {
          blocked++;
          out.once('drain', () => {
            if (--blocked === 0) source.resume();
          });
        }
      }
      if (blocked > 0) source.pause();
    });
    source.on('end', () => {
      const trailers = { 'x-backend-etag': md5.digest('hex'), 'x-backend-blocks-crc32': blocksDigest(blocks.finish()) };
      for (const { out } of live) {
        out.addTrailers(trailers);
        out.end();
      }
    });
    source.on('aborted', () => live.forEach(({ out }) => out.destroy(new Error('client disconnected'))));
    source.on('error', () => live.forEach(({ out }) => out.destroy(new Error('client disconnected'))));
    source.resume();
    return quorumOrAll(answers, quorum(this.opts.objectRing.replicas), this.opts.postQuorumMs);
  }
}
