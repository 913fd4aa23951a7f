import { IncomingMessage, request } from 'node:http';
import type { Logger } from '@kumo/common';
import { reclaimBodyBuffers } from '@kumo/common/core';
import type { Ring } from '../ring/ring';
import { backendAgent, devicePath } from '../common/backend';
import { parseRange, pipePart, rangesForLength, sendByteranges } from './byte-range';
import type { ProxyRequest } from './request';
import { sendSwiftError } from './swift-errors';
import { tempUrlDisposition } from './tempurl';

/**
 * The GET data path: an object's bytes from the first replica that has them (primaries, then
 * handoffs), conditional and range requests, and a read that resumes from another replica when the
 * one serving it fails mid-way.
 */
export class ObjectReader {
  constructor(private readonly opts: { objectRing: Ring; logger: Logger }) {}

  /** The object's bytes from the first replica that has them, or null. */
  async open(names: string[]): Promise<IncomingMessage | null> {
    const got = await this.openReplica(names);
    if (!got) return null;
    this.sourceDevice.set(got.res, got.id);
    return got.res;
  }

  /** Which device a backend response came from (a resumed read skips it). */
  private readonly sourceDevice = new WeakMap<IncomingMessage, number>();

  /**
   * The first replica (primaries, then handoffs) that answers a GET with data, skipping devices in `skip`;
   * `range` (`bytes=a-b`) asks for part of it (a resumed read).
   */
  async openReplica(names: string[], skip: Set<number> = new Set(), range?: string): Promise<{ res: IncomingMessage; id: number } | null> {
    const { part, nodes } = this.opts.objectRing.getNodes(names[0], names[1], names[2]);
    for (const dev of [...nodes, ...this.opts.objectRing.getMoreNodes(part)].slice(0, nodes.length * 2)) {
      if (skip.has(dev.id)) continue;
      const res = await new Promise<IncomingMessage | null>((resolve) => {
        const headers = range ? { 'x-backend-range': range } : {};
        const back = request({ host: dev.ip, port: dev.port, method: 'GET', path: devicePath(dev, part, ...names), headers, agent: backendAgent, timeout: 10_000 }, (res) => {
          if (res.statusCode === 200 || (range && res.statusCode === 206)) return resolve(res);
          res.resume();
          resolve(null);
        });
        back.on('error', () => resolve(null));
        back.on('timeout', () => back.destroy(new Error('timeout')));
        back.end();
      });
      if (res) return { res, id: dev.id };
      skip.add(dev.id);
    }
    return null;
  }

  /**
   * Streams a whole object to the client. When the node serving it fails mid-way (it died, or found the
   * copy corrupt), the rest comes from another replica (same ETag, from the byte reached); when none
   * can, the response is cut short, so a client never takes a partial or wrong body for a whole one.
   */
  private streamWithResume(r: ProxyRequest, first: IncomingMessage, names: string[], size: number, etag: string): void {
    const skip = new Set<number>();
    let sent = 0;
    // only a node that checks every block before sending it leaves good bytes behind when it stops
    const resumable = (back: IncomingMessage) => back.headers['x-backend-verified'] === 'blocks' || back.statusCode === 206;
    const follow = (back: IncomingMessage) => {
      let failed = false;
      const onFail = () => {
        if (failed) return;
        failed = true;
        back.unpipe(r.res);
        back.destroy();
        if (sent >= size || r.res.destroyed || !resumable(back)) return void r.res.destroy();
        void this.resumeFrom(names, skip, sent, size, etag).then((next) => (next ? follow(next) : r.res.destroy()));
      };
      back.on('data', (c: Buffer) => {
        sent += c.length;
        reclaimBodyBuffers(c.length);
      });
      back.on('aborted', onFail);
      back.on('error', onFail);
      back.on('end', () => {
        if (!back.complete) return onFail();
        if (sent < size) return onFail();
        r.res.end();
      });
      back.pipe(r.res, { end: false });
    };
    const origin = this.sourceDevice.get(first);
    if (origin !== undefined) skip.add(origin);
    follow(first);
  }

  private async resumeFrom(names: string[], skip: Set<number>, from: number, size: number, etag: string): Promise<IncomingMessage | null> {
    for (;;) {
      const next = await this.openReplica(names, skip, `bytes=${from}-${size - 1}`);
      if (!next) return null;
      skip.add(next.id);
      if (String(next.res.headers.etag ?? '') === etag) {
        this.opts.logger.warn({ object: names.join('/'), from, device: next.id }, 'object GET resumed from another replica');
        return next.res;
      }
      next.res.destroy();
    }
  }

  /** Bytes start..end of the object's version `etag` (a 206 of a node that has it), primaries first. */
  private async openRangeOf(names: string[], start: number, end: number, etag: string): Promise<IncomingMessage | null> {
    const skip = new Set<number>();
    for (;;) {
      const next = await this.openReplica(names, skip, `bytes=${start}-${end}`);
      if (!next) return null;
      skip.add(next.id);
      if (next.res.statusCode === 206 && String(next.res.headers.etag ?? '') === etag) return next.res;
      next.res.destroy();
    }
  }

  /**
   * Answers a GET or HEAD of a plain object from `back`, a replica's response: conditional requests
   * (304, 412), ranges (206, several as multipart/byteranges, 416), the whole body with resume.
   */
  async respond(r: ProxyRequest, back: IncomingMessage, range: string | undefined): Promise<void> {
    const size = Number(back.headers['content-length'] ?? 0);
    const etag = String(back.headers.etag ?? '');
    const lastModified = String(back.headers['last-modified'] ?? '');
    const headers: Record<string, string | number> = { 'accept-ranges': 'bytes' };
    for (const [k, v] of Object.entries(back.headers)) {
      if (/^(content-type|etag|last-modified|x-timestamp|x-object-meta-|content-disposition|content-encoding|x-delete-at|x-object-manifest)/.test(k)) headers[k] = String(v);
    }
    if (r.tempUrl) {
      // what Swift's tempurl does to responses: no user metadata, a download file name
      for (const k of Object.keys(headers)) if (k.startsWith('x-object-meta-') && !k.startsWith('x-object-meta-public-')) delete headers[k];
      headers['content-disposition'] = tempUrlDisposition(r.tempUrl, r.object!);
    }
    const inm = r.req.headers['if-none-match'];
    const im = r.req.headers['if-match'];
    const ims = r.req.headers['if-modified-since'];
    const ius = r.req.headers['if-unmodified-since'];
    const strip = (s: string) => s.replace(/"/g, '').trim();
    const notModified = (inm && (inm === '*' || inm.split(',').map(strip).includes(etag))) || (ims && Date.parse(lastModified) <= Date.parse(ims));
    const failed = (im && im !== '*' && !im.split(',').map(strip).includes(etag)) || (ius && Date.parse(lastModified) > Date.parse(ius));
    if (failed) {
      back.destroy();
      return sendSwiftError(r.res, 412);
    }
    if (notModified) {
      back.destroy();
      r.res.writeHead(304, { ...headers, 'content-length': 0 });
      return void r.res.end();
    }
    // Swift's swob: an invalid Range is ignored (200), none satisfiable (or an egregious set) is a
    // 416, several are a multipart/byteranges 206
    const specs = parseRange(range);
    const ranges = specs ? rangesForLength(specs, size) : [];
    if (specs && ranges.length === 0) {
      back.destroy();
      return sendSwiftError(r.res, 416, undefined, { 'content-range': `bytes */${size}` });
    }
    if (ranges.length > 1) {
      // each range from a replica that has this version (same ETag)
      back.destroy();
      const names = [r.account, r.container!, r.object!];
      return sendByteranges(r.req, r.res, headers, ranges, size, async (first, last) => {
        const part = await this.openReplica(names, new Set(), `bytes=${first}-${last}`);
        if (part && String(part.res.headers.etag ?? '') === etag) return pipePart(part.res, r.res, last - first + 1);
        part?.res.destroy();
        return false;
      });
    }
    if (ranges.length === 1) {
      const [start, end] = ranges[0];
      const partHeaders = { ...headers, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}` };
      if (r.req.method === 'HEAD') {
        back.destroy();
        r.res.writeHead(206, partHeaders);
        return void r.res.end();
      }
      // only the range from a node (x-backend-range), the version `back` showed (same ETag), sent at the
      // client's pace; the whole object streamed and cut down here cost a 16 MiB range of a 512 MiB
      // object a read of everything before it
      const names = [r.account, r.container!, r.object!];
      if (start > 0 || end < size - 1) {
        back.destroy();
        const part = await this.openRangeOf(names, start, end, etag);
        if (!part) return sendSwiftError(r.res, 503);
        r.res.writeHead(206, partHeaders);
        if (await pipePart(part, r.res, end - start + 1)) return void r.res.end();
        part.destroy();
        return void r.res.destroy();
      }
      // the range is the whole object: the whole body, with resume
      r.res.writeHead(206, partHeaders);
      return this.streamWithResume(r, back, names, size, etag);
    }
    r.res.writeHead(200, { ...headers, 'content-length': size });
    if (r.req.method === 'HEAD') {
      back.destroy();
      return void r.res.end();
    }
    this.streamWithResume(r, back, [r.account, r.container!, r.object!], size, etag);
  }
}
