import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandExecutor } from '../../../src/drivers/command-executor';
import { ImageCache, checkAcceptable } from '../../../src/drivers/libvirt/image-cache';
import { QemuImg, type DiskInfo } from '../../../src/drivers/libvirt/qemu-img';

/** qemu-img that reads the "format" from the file's first line (the files here are text). */
class FakeQemuImg extends QemuImg {
  converts = 0;
  constructor() {
    super(null as unknown as CommandExecutor);
  }
  override async info(path: string): Promise<DiskInfo> {
    const { readFile } = await import('node:fs/promises');
    const [format, backing] = (await readFile(path, 'utf8')).split('\n');
    return { format, virtualSize: 1000, actualSize: 10, backingFile: backing || null, dataFile: null };
  }
  override async convertToQcow2(src: string, _fmt: string, dst: string): Promise<void> {
    this.converts++;
    await copyFile(src, dst);
    writeFileSync(dst, 'qcow2\n');
  }
}

describe('ImageCache', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kumo-image-cache-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fetches an image once for concurrent builds and then serves it from disk', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const cache = new ImageCache(dir, async (_id, path) => {
      calls++;
      await gate;
      writeFileSync(path, 'qcow2\n');
    }, new FakeQemuImg());
    const all = Promise.all([1, 2, 3, 4, 5].map(() => cache.get('img-1', 'qcow2')));
    release();
    const got = await all;
    expect(calls).toBe(1);
    expect(got.filter((g) => g.fetched)).toHaveLength(1);
    expect(new Set(got.map((g) => g.path))).toEqual(new Set([join(dir, '_base', 'img-1')]));
    await expect(cache.get('img-1', 'qcow2')).resolves.toMatchObject({ fetched: false, virtualSize: 1000 });
    expect(calls).toBe(1);
    expect(readdirSync(join(dir, '_base'))).toEqual(['img-1']);
  });

  it('says which images builds took lately (busy) and restarts the age of a base it serves from disk', async () => {
    const cache = new ImageCache(dir, async (_id, path) => writeFileSync(path, 'qcow2\n'), new FakeQemuImg());
    await cache.get('img-1', 'qcow2');
    const file = join(dir, '_base', 'img-1');
    utimesSync(file, new Date(Date.now() - 86_400_000), new Date(Date.now() - 86_400_000));
    await cache.get('img-1', 'qcow2');
    expect(Date.now() - statSync(file).mtimeMs).toBeLessThan(5_000);
    expect(cache.busy()).toEqual(['img-1']);
    expect(cache.busy(600_000, Date.now() + 600_001)).toEqual([]);
  });

  it('leaves nothing after a failed fetch, and the next build fetches again', async () => {
    let calls = 0;
    const cache = new ImageCache(dir, async (_id, path) => {
      calls++;
      writeFileSync(path, 'partial');
      if (calls === 1) throw new Error('checksum mismatch');
      writeFileSync(path, 'qcow2\n');
    }, new FakeQemuImg());
    await expect(Promise.all([cache.get('i', null), cache.get('i', null)])).rejects.toThrow('checksum mismatch');
    expect(readdirSync(join(dir, '_base'))).toEqual([]);
    await expect(cache.get('i', null)).resolves.toMatchObject({ fetched: true });
    expect(calls).toBe(2);
  });

  it('converts raw data to a qcow2 base and refuses a backing file', async () => {
    const q = new FakeQemuImg();
    const cache = new ImageCache(dir, async (id, path) => writeFileSync(path, id === 'evil' ? 'qcow2\n/etc/shadow' : 'raw\n'), q);
    await expect(cache.get('r', 'raw')).resolves.toMatchObject({ fetched: true });
    expect(q.converts).toBe(1);
    await expect(cache.get('evil', 'qcow2')).rejects.toThrow(/backing file \(\/etc\/shadow\)/);
    expect(readdirSync(join(dir, '_base')).sort()).toEqual(['r']);
  });

  it('refuses data that is not what its disk_format says', () => {
    const info = { format: 'qcow2', virtualSize: 1, actualSize: 1, backingFile: null, dataFile: null };
    expect(() => checkAcceptable('x', info, 'raw')).toThrow(/disk_format is raw but its data is qcow2/);
    expect(() => checkAcceptable('x', { ...info, format: 'luks' }, null)).toThrow(/format luks/);
    expect(() => checkAcceptable('x', info, 'qcow2')).not.toThrow();
    expect(() => checkAcceptable('x', { ...info, dataFile: '/dev/sda' }, 'qcow2')).toThrow(/data file/);
  });
});
