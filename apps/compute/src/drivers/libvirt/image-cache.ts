// The host's image cache: each image is fetched once into <instances>/_base/<image id> (the fetch
// checks the image service's checksum as it streams), inspected with qemu-img (its real format,
// no backing or data file), and kept as a standalone qcow2 that instance overlays back onto.
// Concurrent builds of one image share one fetch; a failed fetch leaves nothing and the next
// build tries again.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageUnacceptable } from '../compute-driver';
import type { DiskInfo, QemuImg } from './qemu-img';

/** Writes the image's verified data to `path` (whole or nothing), e.g. ImageClient.downloadToFile. */
export type ImageFetcher = (imageId: string, path: string) => Promise<void>;

export interface CachedImage {
  path: string;
  virtualSize: number;
  /** true when this call fetched it (false: it was on disk or another build fetched it) */
  fetched: boolean;
  fetchMs: number;
}

const FORMATS_KEPT = new Set(['qcow2']);
const FORMATS_CONVERTED = new Set(['raw', 'vmdk', 'vdi', 'vhdx', 'vpc', 'qed']);
/** Glance's disk_format names for qemu-img's format names */
const DECLARED: Record<string, string> = { vhd: 'vpc' };

export class ImageCache {
  private readonly inflight = new Map<string, Promise<CachedImage>>();
  /** virtual sizes of the bases known to be on disk (qemu-img is asked once per image and process) */
  private readonly known = new Map<string, number>();
  readonly dir: string;
  /** fetches made (tests, logs) */
  fetches = 0;
  /** when each image was last handed to a build by this process (the cache manager leaves those alone) */
  private readonly lastUsed = new Map<string, number>();

  constructor(
    instancesPath: string,
    private readonly fetcher: ImageFetcher,
    private readonly qemuImg: QemuImg,
  ) {
    this.dir = join(instancesPath, '_base');
  }

  pathOf(imageId: string): string {
    return join(this.dir, imageId);
  }

  /** Images being fetched, or handed to a build within `withinMs` (its overlay may not exist yet). */
  busy(withinMs = 600_000, now = Date.now()): string[] {
    const ids = new Set(this.inflight.keys());
    for (const [id, at] of this.lastUsed) if (now - at < withinMs) ids.add(id);
    return [...ids];
  }

  /** The cached base of the image, fetching it when it is not on this host yet. */
  async get(imageId: string, declaredFormat: string | null): Promise<CachedImage> {
    this.lastUsed.set(imageId, Date.now());
    const running = this.inflight.get(imageId);
    if (running) return { ...(await running), fetched: false };
    const p = this.ensure(imageId, declaredFormat);
    this.inflight.set(imageId, p);
    try {
      return await p;
    } finally {
      this.inflight.delete(imageId);
    }
  }

  private async ensure(imageId: string, declaredFormat: string | null): Promise<CachedImage> {
    const final = this.pathOf(imageId);
    if (await exists(final)) {
      // used now: its age (for the cache manager) starts again, as Nova touches a base it uses
      const now = new Date();
      await utimes(final, now, now).catch(() => undefined);
      const virtualSize = this.known.get(imageId) ?? (await this.qemuImg.info(final)).virtualSize;
      this.known.set(imageId, virtualSize);
      return { path: final, virtualSize, fetched: false, fetchMs: 0 };
    }
    this.known.delete(imageId);
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    const started = Date.now();
    const tmp = `${final}.fetch-${randomBytes(4).toString('hex')}`;
    const converted = `${final}.qcow2-${randomBytes(4).toString('hex')}`;
    try {
      this.fetches++;
      await this.fetcher(imageId, tmp);
      const info = await this.qemuImg.info(tmp);
      checkAcceptable(imageId, info, declaredFormat);
      if (FORMATS_KEPT.has(info.format)) {
        await rename(tmp, final);
      } else {
        await this.qemuImg.convertToQcow2(tmp, info.format, converted);
        await rename(converted, final);
        await rm(tmp, { force: true });
      }
      this.known.set(imageId, info.virtualSize);
      return { path: final, virtualSize: info.virtualSize, fetched: true, fetchMs: Date.now() - started };
    } catch (err) {
      await rm(tmp, { force: true });
      await rm(converted, { force: true });
      throw err;
    }
  }
}

/** Refuses what QEMU must not be given: a backing or data file (it could read any host file), an unknown format, a lie about the format. */
export function checkAcceptable(imageId: string, info: DiskInfo, declaredFormat: string | null): void {
  if (info.backingFile) throw new ImageUnacceptable(imageId, `its data has a backing file (${info.backingFile})`);
  if (info.dataFile) throw new ImageUnacceptable(imageId, `its data names an external data file (${info.dataFile})`);
  if (!FORMATS_KEPT.has(info.format) && !FORMATS_CONVERTED.has(info.format)) {
    throw new ImageUnacceptable(imageId, `its data is in format ${info.format}, which cannot boot as a disk`);
  }
  const declared = declaredFormat ? (DECLARED[declaredFormat] ?? declaredFormat) : null;
  if (declared && declared !== info.format && (FORMATS_KEPT.has(declared) || FORMATS_CONVERTED.has(declared))) {
    throw new ImageUnacceptable(imageId, `its disk_format is ${declaredFormat} but its data is ${info.format}`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
