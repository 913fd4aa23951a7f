import { PassThrough, Readable } from 'node:stream';
import { DataMissing, ImageStore } from './image-store';
import { objectPath, SwiftClient, SwiftRequestError } from './swift-client';

interface ManifestEntry {
  name: string;
  bytes: number;
  hash: string;
}

/**
 * Images in Kumo's object service (or any Swift), through its API as the service user: the data is cut
 * into segments of `segmentSize` bytes as it streams (`<id>/<000001>`...) and an SLO manifest `<id>`
 * ties them together, so multi-GiB images never sit in memory. A failed upload deletes the segments it
 * wrote; reads (and ranges) go to the segments directly.
 */
export class ObjectStore extends ImageStore {
  readonly name = 'object';
  readonly description = 'Kumo object storage';

  constructor(
    private readonly swift: SwiftClient,
    private readonly container: string,
    private readonly segmentSize: number,
  ) {
    super();
  }

  async init(): Promise<void> {
    await this.swift.expect('PUT', `/${encodeURIComponent(this.container)}`);
  }

  async put(imageId: string, body: Readable): Promise<string> {
    type Segment = { path: string; etag: string; size_bytes: number };
    // a segment's PUT finishes (the object service's fsyncs) while the next one streams: at most two
    // in flight, so the data never waits for a segment to be acknowledged
    const segments: Array<Promise<Segment>> = [];
    const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let leftover: Buffer | null = null;
    let ended = false;
    try {
      while (!ended) {
        // one segment: its upload runs while the pump below feeds it, at most segmentSize bytes
        const name = `${imageId}/${String(segments.length + 1).padStart(6, '0')}`;
        const stream = new PassThrough();
        const upload = this.swift.expect('PUT', objectPath(this.container, name), { headers: { 'transfer-encoding': 'chunked', 'content-type': 'application/octet-stream' }, body: () => stream });
        const failed = upload.then(() => new Promise<never>(() => undefined));
        failed.catch(() => undefined); // observed through the race below, or through `await upload`
        let written = 0;
        try {
          while (written < this.segmentSize) {
            const chunk: Buffer | null = leftover ?? (((await chunks.next()) as IteratorResult<Buffer>).value ?? null);
            leftover = null;
            if (chunk === null) {
              ended = true;
              break;
            }
            const room = this.segmentSize - written;
            const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
            if (chunk.length > room) leftover = chunk.subarray(room);
            written += piece.length;
            if (!stream.write(piece)) await Promise.race([new Promise((r) => stream.once('drain', r)), failed]);
          }
        } catch (err) {
          stream.destroy(err as Error);
          await upload.catch(() => undefined);
          throw err;
        }
        stream.end();
        if (written === 0 && segments.length > 0) {
          // the data ended on a segment boundary: the last, empty segment is not needed
          await upload;
          await this.swift.expect('DELETE', objectPath(this.container, name), { allow404: true });
          break;
        }
        const size = written;
        const segment = upload.then((res) => ({ path: `/${this.container}/${name}`, etag: String(res.headers.etag ?? '').replace(/"/g, ''), size_bytes: size }));
        segment.catch(() => undefined); // awaited below
        segments.push(segment);
        if (segments.length >= 2) await segments[segments.length - 2];
      }
      const manifest = Buffer.from(JSON.stringify(await Promise.all(segments)));
      await this.swift.expect('PUT', objectPath(this.container, imageId), { query: 'multipart-manifest=put', headers: { 'content-length': String(manifest.length), 'content-type': 'application/octet-stream' }, body: () => manifest });
      return `object://${this.container}/${imageId}`;
    } catch (err) {
      // every segment PUT is over before the cleanup lists what to delete
      await Promise.allSettled(segments);
      await this.removeSegments(imageId).catch(() => undefined);
      throw err;
    }
  }

  private async manifest(location: string): Promise<ManifestEntry[]> {
    const name = location.replace(/^object:\/\/[^/]+\//, '');
    try {
      const res = await this.swift.expect('GET', objectPath(this.container, name), { query: 'multipart-manifest=get' });
      return JSON.parse(res.body.toString()) as ManifestEntry[];
    } catch (err) {
      if (err instanceof SwiftRequestError && err.status === 404) throw new DataMissing(`no object ${name} in ${this.container}`);
      throw err;
    }
  }

  async get(location: string, range?: { start: number; end: number }): Promise<Readable> {
    const entries = await this.manifest(location);
    const total = entries.reduce((a, e) => a + e.bytes, 0);
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? total - 1, total - 1);
    const parts: Array<{ name: string; range?: string }> = [];
    let offset = 0;
    for (const e of entries) {
      const segStart = offset;
      offset += e.bytes;
      if (offset <= start || segStart > end || e.bytes === 0) continue;
      const from = Math.max(start - segStart, 0);
      const to = Math.min(end - segStart, e.bytes - 1);
      parts.push({ name: e.name, range: from === 0 && to === e.bytes - 1 ? undefined : `bytes=${from}-${to}` });
    }
    // the segments piped one after the other into one stream (pipes keep the client's pace; no
    // per-chunk promise as an async iterator would make)
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    const next = async (i: number): Promise<void> => {
      if (i === parts.length) return void out.end();
      const p = parts[i];
      const res = await this.swift.request('GET', p.name.split('/').map(encodeURIComponent).join('/'), { headers: p.range ? { range: p.range } : {} });
      if (res.statusCode !== 200 && res.statusCode !== 206) {
        res.resume();
        throw new DataMissing(`segment ${p.name} answered ${res.statusCode}`);
      }
      res.on('error', (err) => out.destroy(err));
      res.once('end', () => void next(i + 1).catch((err: Error) => out.destroy(err)));
      out.once('close', () => res.destroy());
      res.pipe(out, { end: false });
    };
    // the first segment is opened before returning, so a missing one is an error the caller sees
    await next(0);
    return out;
  }

  private async removeSegments(imageId: string): Promise<void> {
    for (;;) {
      const res = await this.swift.expect('GET', `/${encodeURIComponent(this.container)}`, { query: `format=json&prefix=${encodeURIComponent(`${imageId}/`)}`, allow404: true });
      const rows = res.status === 404 ? [] : (JSON.parse(res.body.toString()) as Array<{ name: string }>);
      if (rows.length === 0) return;
      for (const r of rows) await this.swift.expect('DELETE', objectPath(this.container, r.name), { allow404: true });
    }
  }

  async delete(location: string): Promise<void> {
    const imageId = location.replace(/^object:\/\/[^/]+\//, '');
    await this.swift.expect('DELETE', objectPath(this.container, imageId), { query: 'multipart-manifest=delete', allow404: true });
    await this.removeSegments(imageId);
  }
}
