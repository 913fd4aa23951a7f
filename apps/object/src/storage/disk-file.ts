import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs, ReadStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';

/** Object metadata kept beside the data (content type, etag, length, user metadata, timestamp). */
export interface ObjectMetadata {
  name: string;
  timestamp: string;
  contentType: string;
  contentLength: number;
  etag: string;
  /** Headers kept verbatim: X-Object-Meta-*, Content-Disposition, Content-Encoding, X-Delete-At, ... */
  headers: Record<string, string>;
}

export class EtagMismatch extends Error {}

async function fsyncPath(path: string): Promise<void> {
  const fh = await fs.open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * One object's files on a device: `<devices>/<dev>/objects/<part>/<suffix>/<hash>/<timestamp>.data`
 * (with `<timestamp>.meta.json`) or `<timestamp>.ts` for a tombstone. The newest file wins, so writes
 * are last-writer-wins by X-Timestamp; everything is fsynced before a write is acknowledged.
 */
export class DiskFile {
  readonly dir: string;

  constructor(
    devicesRoot: string,
    device: string,
    readonly partition: number,
    readonly hash: string,
  ) {
    this.dir = join(devicesRoot, device, 'objects', String(partition), hash.slice(-3), hash);
  }

  /** The newest state: metadata of the live object, a tombstone timestamp, or nothing. */
  async current(): Promise<{ kind: 'data'; meta: ObjectMetadata; dataPath: string } | { kind: 'tombstone'; timestamp: string } | null> {
    let files: string[];
    try {
      files = await fs.readdir(this.dir);
    } catch {
      return null;
    }
    const candidates = files.filter((f) => f.endsWith('.data') || f.endsWith('.ts')).sort();
    const newest = candidates[candidates.length - 1];
    if (!newest) return null;
    const ts = newest.replace(/\.(data|ts)$/, '');
    if (newest.endsWith('.ts')) return { kind: 'tombstone', timestamp: ts };
    const meta = JSON.parse(await fs.readFile(join(this.dir, `${ts}.meta.json`), 'utf8')) as ObjectMetadata;
    return { kind: 'data', meta, dataPath: join(this.dir, newest) };
  }

  /**
   * Streams the body to a temporary file, checks length and (when given) the ETag, fsyncs, then
   * moves it in place. Older files are cleaned up. Returns the MD5 etag.
   */
  async write(body: Readable, meta: Omit<ObjectMetadata, 'etag' | 'contentLength'> & { expectedEtag?: string; expectedLength?: number }): Promise<ObjectMetadata> {
    await fs.mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.tmp-${randomBytes(6).toString('hex')}`);
    const md5 = createHash('md5');
    let length = 0;
    body.on('data', (chunk: Buffer) => {
      md5.update(chunk);
      length += chunk.length;
    });
    try {
      const out = createWriteStream(tmp, { flags: 'wx' });
      await pipeline(body, out);
      const etag = md5.digest('hex');
      if (meta.expectedLength !== undefined && meta.expectedLength !== length) {
        throw new Error(`expected ${meta.expectedLength} bytes, got ${length}`);
      }
      if (meta.expectedEtag && meta.expectedEtag.replace(/"/g, '').toLowerCase() !== etag) throw new EtagMismatch(etag);
      await fsyncPath(tmp);
      const full: ObjectMetadata = { name: meta.name, timestamp: meta.timestamp, contentType: meta.contentType, headers: meta.headers, etag, contentLength: length };
      const metaPath = join(this.dir, `${meta.timestamp}.meta.json`);
      await fs.writeFile(metaPath, JSON.stringify(full));
      await fsyncPath(metaPath);
      await fs.rename(tmp, join(this.dir, `${meta.timestamp}.data`));
      await fsyncPath(this.dir);
      await this.cleanup(meta.timestamp);
      return full;
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }

  /** Replaces the metadata of the live object (POST): a new .meta.json for the same data. */
  async updateMetadata(headers: Record<string, string>, contentType?: string): Promise<boolean> {
    const cur = await this.current();
    if (!cur || cur.kind !== 'data') return false;
    const meta = { ...cur.meta, headers, contentType: contentType ?? cur.meta.contentType };
    const path = join(this.dir, `${cur.meta.timestamp}.meta.json`);
    await fs.writeFile(`${path}.tmp`, JSON.stringify(meta));
    await fs.rename(`${path}.tmp`, path);
    await fsyncPath(this.dir);
    return true;
  }

  async tombstone(timestamp: string): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `${timestamp}.ts`);
    await fs.writeFile(path, '');
    await fsyncPath(path);
    await fsyncPath(this.dir);
    await this.cleanup(timestamp);
  }

  openData(dataPath: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(dataPath, range ? { start: range.start, end: range.end } : undefined);
  }

  /** Removes files older than the newest state. */
  private async cleanup(keep: string): Promise<void> {
    const files = await fs.readdir(this.dir);
    const newest = files.filter((f) => /\.(data|ts)$/.test(f)).map((f) => f.replace(/\.(data|ts)$/, '')).sort().pop() ?? keep;
    for (const f of files) {
      const ts = f.replace(/\.(data|ts|meta\.json)$/, '');
      if (!f.startsWith('.') && ts < newest) await fs.rm(join(this.dir, f), { force: true });
    }
  }
}
