import { Readable } from 'node:stream';
import type { ObjectDownload } from '@kumo/sdk';

/** A part of a read: one segment, whole or a range of it (`bytes=a-b`), and how many bytes that is. */
export interface SegmentPart {
  name: string;
  range?: string;
  length: number;
}

/** When this many bytes of a segment are left, the next segment's GET goes out. */
export const PREFETCH_BYTES = 8 * 1024 * 1024;

/**
 * The bytes of an image's segments one after the other, as one stream. Each segment's response is
 * read straight into it (paused while the consumer is behind, resumed when it asks for more: no
 * stream in between). When a segment has `PREFETCH_BYTES` left, the next one's GET goes out, so the
 * data never waits for the object service's first byte between two segments; only that one response
 * waits, unread (the kernel's socket buffer holds what it sent meanwhile). A segment that answers
 * anything but its bytes, or ends short, fails the stream with the error `fail` makes.
 */
export class SegmentReader extends Readable {
  private index = 0;
  private current?: Readable;
  private received = 0;
  private prefetched?: Promise<ObjectDownload>;

  constructor(
    private readonly parts: SegmentPart[],
    private readonly open: (part: SegmentPart) => Promise<ObjectDownload>,
    private readonly fail: (part: SegmentPart, err: Error) => Error,
    /** the first part's response (none when there are no parts: an empty stream) */
    first?: ObjectDownload,
    private readonly prefetchBytes = PREFETCH_BYTES,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    if (first) this.follow(first);
    else this.push(null);
  }

  override _read(): void {
    this.current?.resume();
  }

  private follow(dl: ObjectDownload): void {
    const part = this.parts[this.index];
    const res = dl.body;
    this.current = res;
    this.received = 0;
    res.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      if (
        !this.prefetched &&
        this.index + 1 < this.parts.length &&
        part.length - this.received <= this.prefetchBytes
      )
        this.prefetch();
      if (!this.push(chunk)) res.pause();
    });
    res.on('error', (err) => this.destroy(this.fail(part, err)));
    res.on('end', () => {
      if (this.destroyed) return;
      if (this.received !== part.length)
        return void this.destroy(
          this.fail(part, new Error(`it ended after ${this.received} of ${part.length} bytes`)),
        );
      this.current = undefined;
      this.next();
    });
  }

  private prefetch(): void {
    const p = this.open(this.parts[this.index + 1]);
    p.catch(() => undefined); // seen when it is next
    this.prefetched = p;
  }

  private next(): void {
    this.index++;
    if (this.index === this.parts.length) return void this.push(null);
    const part = this.parts[this.index];
    const pending = this.prefetched ?? this.open(part);
    this.prefetched = undefined;
    pending.then(
      (dl) => {
        if (this.destroyed) return void dl.body.destroy();
        this.follow(dl);
      },
      (err: Error) => this.destroy(this.fail(part, err)),
    );
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.current?.destroy();
    this.current = undefined;
    this.prefetched?.then(
      (dl) => dl.body.destroy(),
      () => undefined,
    );
    this.prefetched = undefined;
    cb(err);
  }
}
