import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { DiskFile, EtagMismatch } from '../../src/storage/disk-file';

describe('DiskFile', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kumo-disk-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const file = () => new DiskFile(root, 'd1', 7, 'abcdef0123456789abcdef0123456789');
  const put = (f: DiskFile, body: string, timestamp: string, expectedEtag?: string) =>
    f.write(Readable.from([Buffer.from(body)]), { name: '/a/c/o', timestamp, contentType: 'text/plain', headers: { 'x-object-meta-k': 'v' }, expectedEtag });

  it('stores data with its metadata and serves the newest version', async () => {
    const f = file();
    const meta = await put(f, 'first', '0000000001.00000');
    expect(meta).toMatchObject({ etag: '8b04d5e3775d298e78455efc5ca404d5', contentLength: 5 });
    await put(f, 'second', '0000000002.00000');
    const cur = await f.current();
    expect(cur?.kind).toBe('data');
    if (cur?.kind !== 'data') throw new Error('no data');
    expect(cur.meta.headers).toEqual({ 'x-object-meta-k': 'v' });
    await expect(text(f.openData(cur.dataPath))).resolves.toBe('second');
    expect(readdirSync(f.dir).sort()).toEqual(['0000000002.00000.data', '0000000002.00000.meta.json']);
  });

  it('lets a tombstone hide the object and cleans older files', async () => {
    const f = file();
    await put(f, 'x', '0000000001.00000');
    await f.tombstone('0000000002.00000');
    await expect(f.current()).resolves.toEqual({ kind: 'tombstone', timestamp: '0000000002.00000' });
    expect(readdirSync(f.dir)).toEqual(['0000000002.00000.ts']);
  });

  it('refuses a body whose ETag does not match, keeping nothing', async () => {
    const f = file();
    await expect(put(f, 'abc', '0000000001.00000', '00000000000000000000000000000000')).rejects.toBeInstanceOf(EtagMismatch);
    await expect(f.current()).resolves.toBeNull();
    expect(readdirSync(f.dir)).toEqual([]);
  });
});
