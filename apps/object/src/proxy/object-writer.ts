import { createHash } from 'node:crypto';
import { ClientRequest, request } from 'node:http';
import type { Readable } from 'node:stream';
import type { Logger } from '@kumo/common';
import { reclaimBodyBuffers } from '@kumo/common/core';
import type { Ring } from '../ring/ring';
import type { RingDevice } from '../ring/ring-types';
import { backendAgent, backendRequest, devicePath } from '../common/backend';
import { BlockHasher, blocksDigest, DIGEST_ANNOUNCE, DIGEST_TRAILERS, SMALL_BODY_BYTES } from '../common/body-digest';
import { nowTimestamp } from '../common/timestamp';
import type { BackendClient } from './backend-client';
import { quorum, quorumOrAll } from './quorum';
import { SwiftError } from './swift-errors';

/** How long a storage node has to accept a PUT (100 Continue) before a handoff takes its place. */
const CONNECT_TIMEOUT_MS = 3_000;
/** How long a node may take to store a small object before its handoff is tried. */
const SMALL_PUT_TIMEOUT_MS = 10_000;
/**
 * The replica (index in the ring's order, a handoff standing in for it) that hashes a streamed body for
 * all of them (DIGEST_ANNOUNCE); the ring's order differs by partition, so the work spreads over nodes.
 */
const HASHING_REPLICA = 0;
/** How long the other replicas wait for its MD5 once the body has ended; then each hashes its own copy. */
const ANNOUNCE_TIMEOUT_MS = 3_000;
/**
 * The body goes to the nodes in chunks of what arrived in one turn of the event loop, up to this much:
 * one system call per node for many of the client's 64 KiB pieces (Node reads sockets 64 KiB at a time).
 */
const FORWARD_BATCH_BYTES = 1024 * 1024;
/** The end of a chunk of the chunked body, as a Buffer: a writev of Buffers only is passed on as it is. */
const CRLF = Buffer.from('\r\n', 'latin1');

/** A node that accepted a streamed PUT (100 Continue). */
interface Connected {
  out: ClientRequest;
  dev: RingDevice;
  answer: Promise<{ status: number; etag?: string }>;
}

/** The MD5 a replica announced (a 102 with X-Backend-Etag); undefined once it answered or failed without one. */
function announcedEtag({ out, answer }: Pick<Connected, 'out' | 'answer'>): Promise<string | undefined> {
  return new Promise((resolve) => {
    out.on('information', (info: { statusCode: number; headers: Record<string, string | string[] | undefined> }) => {
      const etag = info.headers['x-backend-etag'];
      if (info.statusCode === 102 && typeof etag === 'string' && /^[0-9a-f]{32}$/.test(etag)) resolve(etag);
    });
    void answer.then(() => resolve(undefined));
  });
}

/** `p`, or undefined after `ms`. */
function within<T>(p: Promise<T | undefined>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

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
      headers['x-backend-digest'] = DIGEST_TRAILERS;
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
   * `answer` is the node's final answer to a PUT it accepted, whenever it comes (also one that arrives
   * before the body is sent, as a 409 right after the 100 Continue); a failed connection answers 503.
   */
  private connectNode(dev: RingDevice, path: string, headers: Record<string, string>): Promise<Connected | { status: number } | null> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (v: Connected | { status: number } | null) => {
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
      let answered: (a: { status: number; etag?: string }) => void = () => undefined;
      const answer = new Promise<{ status: number; etag?: string }>((r) => (answered = r));
      out.once('continue', () => settle({ out, dev, answer }));
      out.once('response', (res) => {
        res.resume();
        if (!settled) settle(res.statusCode === 507 || (res.statusCode ?? 500) >= 500 ? null : { status: res.statusCode ?? 500 });
        res.on('end', () => answered({ status: res.statusCode ?? 500, etag: res.headers.etag as string | undefined }));
        res.on('error', () => answered({ status: 503 }));
      });
      out.on('error', () => {
        settle(null);
        answered({ status: 503 });
      });
      out.flushHeaders();
    });
  }

  /**
   * Streams the client's body to every replica at once, pacing the client to the slowest node, and
   * follows it with the CRC-32 of its block CRCs as a trailer, which each node checks its copy against
   * (see the object server). The MD5 is computed once, by one of the replicas (HASHING_REPLICA, which
   * announces it as soon as its copy is checked), and reaches the others as their `X-Backend-Etag`
   * trailer; when that replica could not be reached the proxy computes it. A primary that cannot take
   * the write is replaced by the next handoff node (same partition; the replicator moves the copy home
   * later). Fails fast, before reading the body, when fewer than a quorum can take it.
   */
  private async streamToNodes(
    source: Readable,
    part: number,
    primaries: RingDevice[],
    target: (dev: RingDevice, i: number) => { path: string; headers: Record<string, string> },
  ): Promise<Array<{ status: number; etag?: string }>> {
    const slot = (dev: RingDevice, i: number) => {
      const t = target(dev, i);
      return i === HASHING_REPLICA ? { path: t.path, headers: { ...t.headers, 'x-backend-digest': DIGEST_ANNOUNCE } } : t;
    };
    const handoffs = this.opts.objectRing.getMoreNodes(part);
    const connected = await Promise.all(
      primaries.map(async (dev, i) => {
        const first = await this.connectNode(dev, slot(dev, i).path, slot(dev, i).headers);
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
        connected[i] = await this.connectNode(next.value, slot(next.value, i).path, slot(next.value, i).headers);
      }
    }
    const results: Array<{ status: number; etag?: string }> = connected.map((c) => (c && 'status' in c ? { status: c.status } : { status: 0 }));
    const live = connected.map((c, i) => (c && 'out' in c ? { ...c, i } : null)).filter((x): x is Connected & { i: number } => x !== null);
    for (let i = 0; i < results.length; i++) if (connected[i] === null) results[i] = { status: 503 };
    if (live.length < quorum(this.opts.objectRing.replicas)) {
      // answered before the body is read (the client's connection is closed rather than drained)
      live.forEach((l) => l.out.destroy());
      return results;
    }
    const answers = results.map((r) => Promise.resolve(r));
    for (const { answer, i } of live) answers[i] = answer.then((a) => (results[i] = a));
    const writing = () => live.filter(({ i }) => results[i].status === 0);
    const hasher = live.find(({ i }) => i === HASHING_REPLICA);
    const announced = hasher ? announcedEtag(hasher) : undefined;
    const md5 = hasher ? undefined : createHash('md5');
    const blocks = new BlockHasher();
    let batch: Buffer[] = [];
    let batched = 0;
    let flushing: NodeJS.Immediate | undefined;
    const forward = () => {
      if (flushing) clearImmediate(flushing);
      flushing = undefined;
      if (batched === 0) return;
      const chunks = batch;
      const head = Buffer.from(`${batched.toString(16)}\r\n`, 'latin1');
      batch = [];
      batched = 0;
      let blocked = 0;
      for (const { out } of writing()) {
        // The batch as one chunk of the chunked body, straight to the socket in one writev: the headers
        // went with flushHeaders (the node answered 100 Continue), and out.end() writes the last chunk
        // and the trailers. (out.write would frame every 64 KiB piece, four socket writes each: ~2 ms
        // of CPU per 16 MiB PUT.)
        const socket = out.socket;
        if (!socket || socket.destroyed) continue;
        socket.cork();
        let full = !socket.write(head);
        for (const chunk of chunks) full = !socket.write(chunk) || full;
        full = !socket.write(CRLF) || full;
        socket.uncork();
        if (full && socket.writableLength > 0) {
          blocked++;
          // a node that fails meanwhile never drains: it no longer holds the others back
          const go = () => {
            socket.off('drain', go);
            out.off('close', go);
            if (--blocked === 0) source.resume();
          };
          socket.on('drain', go);
          out.on('close', go);
        }
      }
      if (blocked > 0) source.pause();
    };
    source.on('data', (chunk: Buffer) => {
      reclaimBodyBuffers(chunk.length);
      md5?.update(chunk);
      blocks.update(chunk);
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= FORWARD_BATCH_BYTES) forward();
      else flushing ??= setImmediate(forward);
    });
    source.on('end', () => {
      forward();
      const blocksCrc32 = blocksDigest(blocks.finish());
      const finish = (outs: typeof live, etag: string | undefined) => {
        for (const { out } of outs) {
          out.addTrailers(etag ? { 'x-backend-etag': etag, 'x-backend-blocks-crc32': blocksCrc32 } : { 'x-backend-blocks-crc32': blocksCrc32 });
          out.end();
        }
      };
      if (!hasher || !announced) return finish(live, md5!.digest('hex'));
      finish([hasher], undefined);
      // without its MD5 (it failed, or is late) each replica hashes its own copy
      void within(announced, ANNOUNCE_TIMEOUT_MS).then((etag) => finish(live.filter((l) => l !== hasher), etag));
    });
    source.on('aborted', () => live.forEach(({ out }) => out.destroy(new Error('client disconnected'))));
    source.on('error', () => live.forEach(({ out }) => out.destroy(new Error('client disconnected'))));
    source.resume();
    return quorumOrAll(answers, quorum(this.opts.objectRing.replicas), this.opts.postQuorumMs);
  }
}
