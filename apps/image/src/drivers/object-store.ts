import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ServiceUnavailable } from '@kumo/common';
import { isNotFound, ObjectClient, ObjectDownload, SdkError, UnexpectedStatus } from '@kumo/sdk';
import { DataMissing, ImageStore } from './image-store';
import { PREFETCH_BYTES, SegmentPart, SegmentReader } from './segment-reader';
import { SegmentWriter } from './segment-writer';

/**
 * Images in Kumo's object service (or any Swift), through its API as the service user (@kumo/sdk's
 * ObjectClient): the data is cut into segments of `segmentSize` bytes as it streams (`<id>/000001`...;
 * drivers/segment-writer.ts) and an SLO manifest `<id>` ties them together, so multi-GiB images never
 * sit in memory. A failed upload deletes the segments it wrote; reads (and ranges) go to the segments
 * directly (drivers/segment-reader.ts). The object service unreachable, or the service user unable
 * to log in, is 503.
 */
export class ObjectStore extends ImageStore {
  readonly name = 'object';
  readonly description = 'Kumo object storage';

  constructor(
    private readonly objects: ObjectClient,
    private readonly container: string,
    private readonly segmentSize: number,
    /** bytes left in a segment when the next one's GET goes out (drivers/segment-reader.ts) */
    private readonly prefetchBytes = PREFETCH_BYTES,
  ) {
    super();
  }

  async init(): Promise<void> {
    await this.objects.createContainer(this.container);
  }

  async put(imageId: string, body: Readable, size?: number): Promise<string> {
    const writer = new SegmentWriter(this.objects, this.container, imageId, this.segmentSize, size);
    try {
      await pipeline(body, writer);
      const segments = await Promise.all(writer.segments);
      await this.objects.putManifest(this.container, imageId, segments);
      return `object://${this.container}/${imageId}`;
    } catch (err) {
      // every segment PUT is over before the cleanup lists what to delete
      await Promise.allSettled(writer.segments);
      await this.removeSegments(imageId).catch(() => undefined);
      throw unavailable(err);
    }
  }

  async get(location: string, range?: { start: number; end: number }): Promise<Readable> {
    const name = location.replace(/^object:\/\/[^/]+\//, '');
    const entries = await this.objects.manifest(this.container, name).catch((err: unknown) => {
      throw isNotFound(err) ? new DataMissing(`no object ${name} in ${this.container}`) : unavailable(err);
    });
    const total = entries.reduce((a, e) => a + e.bytes, 0);
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? total - 1, total - 1);
    const parts: SegmentPart[] = [];
    let offset = 0;
    for (const e of entries) {
      const segStart = offset;
      offset += e.bytes;
      if (offset <= start || segStart > end || e.bytes === 0) continue;
      const from = Math.max(start - segStart, 0);
      const to = Math.min(end - segStart, e.bytes - 1);
      parts.push({
        name: e.name,
        length: to - from + 1,
        range: from === 0 && to === e.bytes - 1 ? undefined : `bytes=${from}-${to}`,
      });
    }
    const open = (p: SegmentPart): Promise<ObjectDownload> => {
      const [, container, ...object] = p.name.split('/');
      return this.objects.getObject(container, object.join('/'), { range: p.range });
    };
    const fail = (p: SegmentPart, err: Error): Error =>
      isNotFound(err)
        ? new DataMissing(`segment ${p.name} is missing`)
        : err instanceof UnexpectedStatus
          ? new DataMissing(`segment ${p.name} answered ${err.status}`)
          : new DataMissing(`segment ${p.name} could not be read: ${err.message}`);
    // nothing to read (an empty image): an empty stream
    if (parts.length === 0) return new SegmentReader([], open, fail, undefined);
    // the first segment is opened before returning, so a missing one is an error the caller sees
    const first = await open(parts[0]).catch((err: Error) => {
      throw err instanceof SdkError && !(err instanceof UnexpectedStatus)
        ? unavailable(err)
        : fail(parts[0], err);
    });
    return new SegmentReader(parts, open, fail, first, this.prefetchBytes);
  }

  private async removeSegments(imageId: string): Promise<void> {
    for (;;) {
      const rows = await this.objects.listObjects(this.container, { prefix: `${imageId}/`, missingOk: true });
      if (rows.length === 0) return;
      for (const r of rows) await this.objects.deleteObject(this.container, r.name, { missingOk: true });
    }
  }

  async delete(location: string): Promise<void> {
    const imageId = location.replace(/^object:\/\/[^/]+\//, '');
    try {
      await this.objects.deleteManifest(this.container, imageId, { missingOk: true });
      await this.removeSegments(imageId);
    } catch (err) {
      throw unavailable(err);
    }
  }
}

/** What the SDK says when the object service cannot be used (unreachable, no login, no endpoint) is 503. */
function unavailable(err: unknown): unknown {
  if (err instanceof SdkError && !(err instanceof UnexpectedStatus))
    return new ServiceUnavailable(`The image service cannot use the object store: ${err.message}`);
  return err;
}
