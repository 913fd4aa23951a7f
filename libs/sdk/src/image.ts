import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { EndpointInterface } from './catalog';
import { ChecksumMismatch, ImageNotActive, InvalidResponse, ServiceUnreachable } from './errors';
import { expectJson, expectStatus, failure, seg } from './http';
import type { ServiceSession } from './session';

export type ImageStatus =
  | 'queued'
  | 'saving'
  | 'uploading'
  | 'importing'
  | 'active'
  | 'deactivated'
  | 'killed'
  | 'deleted'
  | 'pending_delete';
export type ImageVisibility = 'public' | 'private' | 'shared' | 'community';

/** An image as Glance v2 shows it (its names); additional properties are strings beside the core attributes. */
export interface Image {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: ImageVisibility;
  protected: boolean;
  os_hidden?: boolean;
  owner: string | null;
  disk_format: string | null;
  container_format: string | null;
  size: number | null;
  virtual_size: number | null;
  /** MD5 of the data, hex. */
  checksum: string | null;
  /** `sha512` (Glance's default). */
  os_hash_algo: string | null;
  os_hash_value: string | null;
  min_disk: number;
  min_ram: number;
  tags: string[];
  created_at: string;
  updated_at: string;
  [property: string]: unknown;
}

/** What `create` sends: the core attributes a caller may set, and additional properties (strings). */
export interface ImageCreate {
  name?: string;
  /** Glance lets the caller choose the id (nova does not; a re-run snapshot may). */
  id?: string;
  disk_format?: string;
  container_format?: string;
  visibility?: ImageVisibility;
  protected?: boolean;
  os_hidden?: boolean;
  min_disk?: number;
  min_ram?: number;
  tags?: string[];
  /** e.g. a snapshot's `image_type: snapshot`, `instance_uuid`, `base_image_ref`. */
  properties?: Record<string, string>;
}

/** Upload data: bytes, a stream sent once, or a function that opens it (so a 401 can be retried). */
export type ImageData =
  | Buffer
  | Uint8Array
  | string
  | Readable
  | AsyncIterable<Uint8Array>
  | (() => Buffer | Uint8Array | Readable | AsyncIterable<Uint8Array>);

export interface ImageClientOptions {
  /** The image service's URL (with or without /v2) instead of the catalog's. */
  endpoint?: string;
  interface?: EndpointInterface;
  region?: string;
  /** A transfer that moves no byte for this long fails (default 60 s); it has no limit on its total time. */
  idleTimeoutMs?: number;
}

export interface DownloadOptions {
  /**
   * What the data is checked against as it streams (ChecksumMismatch at its end otherwise):
   * `preferred` (default) the image's os_hash_value (sha512), or its MD5 checksum when it has none,
   * as glanceclient does; `all` both; `none` nothing (a caller that checks itself).
   */
  verify?: 'preferred' | 'all' | 'none';
}

/** A download: the image shown just before, and its data (checked while it streams). */
export interface ImageDownload {
  image: Image;
  /** The data; it fails with ChecksumMismatch at its end when the bytes are not the image's. */
  body: Readable;
}

/**
 * The image service (Glance v2) as a service calls it with the session's token: show, create,
 * upload, download (checked against the image's checksums as it streams), delete. Compute fetches
 * images into its cache with `downloadToFile` and stores snapshots with `create` + `upload`.
 * Errors: ResourceNotFound (404; `isNotFound(err)`), RequestRefused (another 4xx: 403, 409 for an
 * upload to an image that is not queued, 413 over a quota), ImageNotActive, ChecksumMismatch,
 * UnexpectedStatus, InvalidResponse, ServiceUnreachable, EndpointNotFound, LoginFailed.
 */
export class ImageClient {
  private readonly idleTimeoutMs: number;

  constructor(
    private readonly session: ServiceSession,
    private readonly opts: ImageClientOptions = {},
  ) {
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
  }

  /** GET /v2/images/{id}. */
  async show(id: string): Promise<Image> {
    const res = await this.session.authorizedFetch(await this.url(`/images/${seg(id)}`), {
      headers: { accept: 'application/json' },
    });
    return this.image(await expectJson<Image>(res, 200, `image, showing image ${id}`));
  }

  /** POST /v2/images: a queued image (no data yet; `upload` gives it its data). */
  async create(spec: ImageCreate): Promise<Image> {
    const { properties, ...core } = spec;
    const res = await this.session.authorizedFetch(await this.url('/images'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ...properties, ...core }),
    });
    return this.image(await expectJson<Image>(res, 201, `image, creating image ${spec.name ?? ''}`.trim()));
  }

  /**
   * PUT /v2/images/{id}/file: the data of a queued image (it is active once this resolves; the
   * service computes its size and checksums). A stream is sent once; give a function that opens
   * it to have a 401 retried with a new token.
   */
  async upload(id: string, data: ImageData): Promise<void> {
    const what = `image, uploading the data of image ${id}`;
    const idle = new IdleTimer(this.idleTimeoutMs);
    let readError: unknown;
    const body = () => {
      const d = typeof data === 'function' ? data() : data;
      if (typeof d === 'string' || d instanceof Uint8Array) return d;
      return Readable.from(
        (async function* () {
          try {
            for await (const chunk of d) {
              idle.arm();
              yield chunk as Uint8Array;
            }
          } catch (err) {
            readError = err;
            throw err;
          }
        })(),
        { objectMode: false },
      );
    };
    try {
      const res = await this.session.authorizedFetch(await this.url(`/images/${seg(id)}/file`), {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: typeof data === 'function' ? body : body(),
        signal: idle.signal,
      });
      await expectStatus(res, [204], what);
    } catch (err) {
      // the data could not be read: that error, not the aborted request it caused
      throw readError ?? idle.explain(err, this.origin());
    } finally {
      idle.stop();
    }
  }

  /**
   * GET /v2/images/{id}/file of an active image (ImageNotActive otherwise), the data checked as it
   * streams (`verify`): the body fails with ChecksumMismatch at its end when it is not the image's,
   * and with ServiceUnreachable when no byte moves for `idleTimeoutMs` (a reader that stops reading
   * for that long, too).
   */
  async download(id: string, opts: DownloadOptions = {}): Promise<ImageDownload> {
    const image = await this.show(id);
    if (image.status !== 'active') throw new ImageNotActive(id, image.status);
    const checks = expectedHashes(image, opts.verify ?? 'preferred');
    const idle = new IdleTimer(this.idleTimeoutMs);
    try {
      const res = await this.session.authorizedFetch(await this.url(`/images/${seg(id)}/file`), {
        signal: idle.signal,
      });
      // (204: Glance's answer for an image without data)
      if (res.status !== 200 || !res.body) throw await failure(res, `image, downloading image ${id}`);
      const md5 = res.headers.get('content-md5');
      if (checks.length === 0 && opts.verify !== 'none') {
        if (!md5)
          throw new InvalidResponse(
            `image, downloading image ${id}`,
            'the image has no checksum to check the data against',
          );
        checks.push({ algorithm: 'md5', expected: md5.toLowerCase() });
      }
      const body = Readable.from(verified(res.body, id, checks, idle, this.origin()), { objectMode: false });
      return { image, body };
    } catch (err) {
      idle.stop();
      throw idle.explain(err, this.origin());
    }
  }

  /**
   * Downloads an active image to `path` (as `download`, checked): written to a temporary file
   * beside it, flushed to disk, then renamed, so `path` holds the whole verified image or nothing.
   */
  async downloadToFile(id: string, path: string, opts: DownloadOptions = {}): Promise<Image> {
    const { image, body } = await this.download(id, opts);
    const partial = `${path}.part-${randomBytes(4).toString('hex')}`;
    const file = await open(partial, 'wx');
    try {
      for await (const chunk of body) await file.write(chunk as Uint8Array);
      await file.sync();
      await file.close();
      await rename(partial, path);
      return image;
    } catch (err) {
      body.destroy();
      await file.close().catch(() => undefined);
      await rm(partial, { force: true });
      throw err;
    }
  }

  /** DELETE /v2/images/{id}. */
  async delete(id: string): Promise<void> {
    const res = await this.session.authorizedFetch(await this.url(`/images/${seg(id)}`), {
      method: 'DELETE',
    });
    await expectStatus(res, [204], `image, deleting image ${id}`);
  }

  private base?: string;

  private async url(path: string): Promise<string> {
    this.base ??= (
      this.opts.endpoint ??
      (await this.session.endpoint('image', { interface: this.opts.interface, region: this.opts.region }))
    )
      .replace(/\/+$/, '')
      .replace(/\/v2$/, '');
    return `${this.base}/v2${path}`;
  }

  private origin(): string {
    return this.base ? new URL(this.base).origin : 'the image service';
  }

  private image(body: Image): Image {
    if (typeof body.id !== 'string' || typeof body.status !== 'string')
      throw new InvalidResponse('image', 'the answer is not an image (no id or status)');
    return body;
  }
}

interface ExpectedHash {
  algorithm: string;
  expected: string;
}

function expectedHashes(image: Image, verify: NonNullable<DownloadOptions['verify']>): ExpectedHash[] {
  if (verify === 'none') return [];
  const checks: ExpectedHash[] = [];
  const algo = image.os_hash_algo?.toLowerCase();
  if (algo && image.os_hash_value)
    checks.push({ algorithm: algo, expected: image.os_hash_value.toLowerCase() });
  if (image.checksum && (verify === 'all' || checks.length === 0))
    checks.push({ algorithm: 'md5', expected: image.checksum.toLowerCase() });
  return checks;
}

/**
 * The data as it arrives, hashed, the idle timer re-armed by every chunk; fails at its end with
 * ChecksumMismatch when a digest is not the expected one, and on a stall with ServiceUnreachable.
 */
async function* verified(
  source: AsyncIterable<Uint8Array>,
  imageId: string,
  checks: ExpectedHash[],
  idle: IdleTimer,
  origin: string,
): AsyncGenerator<Uint8Array> {
  const hashes = checks.map((c) => ({ ...c, hash: createHash(c.algorithm) }));
  try {
    for await (const chunk of source) {
      idle.arm();
      for (const h of hashes) h.hash.update(chunk);
      yield chunk;
    }
  } catch (err) {
    throw idle.explain(err, origin);
  } finally {
    idle.stop();
  }
  for (const h of hashes) {
    const actual = h.hash.digest('hex');
    if (actual !== h.expected) throw new ChecksumMismatch(imageId, h.algorithm, h.expected, actual);
  }
}

/** Aborts a transfer that moves no byte for `ms` (the session's per-request timeout would cut a long one). */
class IdleTimer {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  readonly signal = this.controller.signal;

  constructor(private readonly ms: number) {
    this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** A stalled transfer as ServiceUnreachable; any other error as it is. */
  explain(err: unknown, origin: string): unknown {
    // (the abort surfaces as undici's AbortError, a DOMException)
    if (!this.signal.aborted || err instanceof ChecksumMismatch) return err;
    return new ServiceUnreachable(origin, new Error(`no data moved for ${this.ms / 1000} s`));
  }

  /** Starts the wait again (a chunk moved). */
  arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(), this.ms);
    this.timer.unref();
  }
}
