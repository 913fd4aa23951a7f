import { Writable } from 'node:stream';
import { BadRequest } from '@kumo/common';
import type { ObjectClient, ObjectUpload, SloSegment } from '@kumo/sdk';

/** The name of an image's segment `index` (1-based): `<id>/000001`. */
export const segmentName = (imageId: string, index: number) => `${imageId}/${String(index).padStart(6, '0')}`;

interface OpenSegment {
  name: string;
  upload: ObjectUpload;
  /** its Content-Length, when the image's size is known */
  length?: number;
  written: number;
}

/**
 * Where an upload's bytes go in the object store: cut into segments of `segmentSize` as they come,
 * each one PUT written straight from the chunks it is given (no copy, no stream in between, no
 * promise per chunk). With the image's size known every segment is sent with its Content-Length;
 * without it, chunked. A segment's PUT is answered (the object service's fsyncs) while the next one
 * streams: the next segment waits only for the one before the last, so at most two are in flight.
 * `segments` are the segments' PUTs in order; `abort` cuts the one being written.
 */
export class SegmentWriter extends Writable {
  readonly segments: Array<Promise<SloSegment>> = [];
  private current?: OpenSegment;
  private bytes = 0;

  constructor(
    private readonly client: ObjectClient,
    private readonly container: string,
    private readonly imageId: string,
    private readonly segmentSize: number,
    /** the image's size, when the upload declared it */
    private readonly size?: number,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.writeFrom(chunk, 0, cb);
  }

  private writeFrom(chunk: Buffer, from: number, cb: (err?: Error | null) => void): void {
    let off = from;
    while (off < chunk.length) {
      const seg = this.current;
      if (!seg) {
        if (this.size !== undefined && this.bytes >= this.size)
          return cb(new BadRequest(`Expected ${this.size} bytes, got more`));
        this.open().then(() => this.writeFrom(chunk, off, cb), cb);
        return;
      }
      const room = (seg.length ?? this.segmentSize) - seg.written;
      const n = Math.min(room, chunk.length - off);
      const piece = off === 0 && n === chunk.length ? chunk : chunk.subarray(off, off + n);
      off += n;
      seg.written += n;
      this.bytes += n;
      const more = seg.upload.body.write(piece);
      if (seg.written === (seg.length ?? this.segmentSize)) {
        // full: the next piece goes to a new segment, and this one is paced by `open`
        this.close();
        continue;
      }
      if (!more) {
        seg.upload.drained().then(() => this.writeFrom(chunk, off, cb), cb);
        return;
      }
    }
    cb();
  }

  /** Starts the next segment's PUT once the one before the last is answered. */
  private async open(): Promise<void> {
    const n = this.segments.length;
    if (n >= 2) await this.segments[n - 2];
    const name = segmentName(this.imageId, n + 1);
    const length = this.size === undefined ? undefined : Math.min(this.segmentSize, this.size - this.bytes);
    this.current = {
      name,
      length,
      written: 0,
      upload: await this.client.startPut(this.container, name, { contentLength: length }),
    };
  }

  private close(): void {
    const seg = this.current!;
    this.current = undefined;
    seg.upload.body.end();
    const done = seg.upload.done.then((r) => ({
      path: `/${this.container}/${seg.name}`,
      etag: r.etag,
      size_bytes: seg.written,
    }));
    done.catch(() => undefined); // awaited by `open` or by the store
    this.segments.push(done);
  }

  override _final(cb: (err?: Error | null) => void): void {
    const seg = this.current;
    if (seg && seg.length !== undefined && seg.written < seg.length) {
      seg.upload.abort();
      return cb(new BadRequest(`Expected ${this.size} bytes, got ${this.bytes}`));
    }
    if (seg) this.close();
    if (this.segments.length > 0) return cb();
    // an empty image: one empty segment, so that it has a manifest like any other
    this.open().then(() => {
      this.close();
      cb();
    }, cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.current?.upload.abort(err ?? undefined);
    this.current = undefined;
    cb(err);
  }
}
