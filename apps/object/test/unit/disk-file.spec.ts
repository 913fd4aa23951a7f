import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import { crc32 } from 'node:zlib';
import { BLOCK_SIZE, BlockHasher, blocksDigest, crcHex } from '../../src/common/body-digest';
import { metadataTrailer } from '../../src/storage/data-file';
import { DigestMismatch, DiskFile, EtagMismatch, LengthMismatch, stateOfFiles } from '../../src/storage/disk-file';
import { partitionListing, SuffixHashCache, suffixHashes } from '../../src/storage/suffix-hashes';

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
    expect(meta).toMatchObject({ etag: '8b04d5e3775d298e78455efc5ca404d5', contentLength: 5, blockCrcs: [crcHex(crc32(Buffer.from('first')))] });
    await put(f, 'second', '0000000002.00000');
    const cur = await f.current();
    expect(cur?.kind).toBe('data');
    if (cur?.kind !== 'data') throw new Error('no data');
    expect(cur.meta.headers).toEqual({ 'x-object-meta-k': 'v' });
    await expect(text(f.openData(cur.dataPath, { start: 0, end: 5 }))).resolves.toBe('second');
    // small: read with its metadata, in the same read
    expect(cur.body?.toString()).toBe('second');
    // one file: the body, then the metadata
    expect(readdirSync(f.dir).sort()).toEqual(['0000000002.00000.data']);
    const raw = readFileSync(cur.dataPath);
    expect(raw.subarray(0, 6).toString()).toBe('second');
    expect(raw.subarray(6).equals(metadataTrailer(cur.meta))).toBe(true);
  });

  it('streams a large body to disk and appends its metadata after it', async () => {
    const f = file();
    const body = Buffer.alloc(3 * BLOCK_SIZE + 5, 3);
    const chunks = Array.from({ length: 4 }, (_, i) => body.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE));
    const meta = await f.write(Readable.from(chunks), { name: '/a/c/big', timestamp: '0000000001.00000', contentType: 'x/y', headers: {}, expectedLength: body.length });
    expect(meta.blockCrcs).toHaveLength(4);
    const cur = await f.current();
    if (cur?.kind !== 'data') throw new Error('no data');
    expect(cur.meta).toEqual(meta);
    expect(cur.body).toBeUndefined();
    const read = await buffer(f.openData(cur.dataPath, { start: 0, end: body.length - 1 }));
    expect(read.equals(body)).toBe(true);
  });

  it('reads data files written before trailers existed, with their .meta.json', async () => {
    const f = file();
    const meta = await put(f, 'old', '0000000001.00000');
    const data = join(f.dir, '0000000001.00000.data');
    writeFileSync(data, 'old');
    writeFileSync(join(f.dir, '0000000001.00000.meta.json'), JSON.stringify(meta));
    const cur = await f.current();
    if (cur?.kind !== 'data') throw new Error('no data');
    expect(cur.meta).toEqual(meta);
  });

  it('calls data whose trailer is damaged or cut short corrupt, never a whole object', async () => {
    const f = file();
    await put(f, 'whole body', '0000000001.00000');
    const data = join(f.dir, '0000000001.00000.data');
    const raw = readFileSync(data);
    for (const damaged of [raw.subarray(0, raw.length - 3), raw.subarray(0, 5), Buffer.from('the wrong bytes'), Buffer.concat([raw.subarray(0, 2), raw.subarray(3)])]) {
      writeFileSync(data, damaged);
      await expect(f.current()).resolves.toMatchObject({ kind: 'corrupt', timestamp: '0000000001.00000' });
    }
    // a body one byte longer than its metadata says
    writeFileSync(data, Buffer.concat([Buffer.from('x'), raw]));
    await expect(f.current()).resolves.toMatchObject({ kind: 'corrupt', reason: expect.stringContaining('11-byte body') });
  });

  it('lets a tombstone hide the object and cleans older files', async () => {
    const f = file();
    await put(f, 'x', '0000000001.00000');
    await f.tombstone('0000000002.00000', '/a/c/o');
    await expect(f.current()).resolves.toEqual({ kind: 'tombstone', timestamp: '0000000002.00000', name: '/a/c/o' });
    expect(readdirSync(f.dir)).toEqual(['0000000002.00000.ts']);
  });

  it('refuses a body whose ETag does not match, keeping nothing', async () => {
    const f = file();
    await expect(put(f, 'abc', '0000000001.00000', '00000000000000000000000000000000')).rejects.toBeInstanceOf(EtagMismatch);
    await expect(f.current()).resolves.toBeNull();
    expect(readdirSync(f.dir)).toEqual([]);
  });

  describe("with the sender's digest (trailers) instead of its own MD5", () => {
    const body = Buffer.from('hello, trailers');
    const md5 = 'not-computed-here-but-the-senders';
    const write = (f: DiskFile, digest: () => { etag: string; blocksCrc32: string } | undefined, expectedEtag?: string) =>
      f.write(Readable.from([body.subarray(0, 5), body.subarray(5)]), { name: '/a/c/o', timestamp: '0000000001.00000', contentType: 'text/plain', headers: {}, expectedEtag, senderDigest: digest });

    it('stores the body under the sender\'s ETag when the CRC-32 of its block CRCs matches', async () => {
      const f = file();
      const meta = await write(f, () => ({ etag: md5, blocksCrc32: blocksDigest([crcHex(crc32(body))]) }));
      expect(meta).toMatchObject({ etag: md5, contentLength: body.length, blockCrcs: [crcHex(crc32(body))] });
      await expect(f.current()).resolves.toMatchObject({ kind: 'data' });
    });

    it('keeps nothing when the block CRCs differ or the digest never came', async () => {
      const f = file();
      await expect(write(f, () => ({ etag: md5, blocksCrc32: blocksDigest([crcHex(crc32(body) ^ 1)]) }))).rejects.toBeInstanceOf(DigestMismatch);
      await expect(write(f, () => undefined)).rejects.toBeInstanceOf(LengthMismatch);
      await expect(f.current()).resolves.toBeNull();
      expect(readdirSync(f.dir)).toEqual([]);
    });

    it('hashes its own copy when the sender has no MD5 for it (the replica meant to announce it did not)', async () => {
      const f = file();
      const big = Buffer.alloc(2 * BLOCK_SIZE + 3, 'b');
      const h = new BlockHasher();
      h.update(big);
      const meta = await f.write(Readable.from([big.subarray(0, BLOCK_SIZE), big.subarray(BLOCK_SIZE)]), { name: '/a/c/o', timestamp: '0000000001.00000', contentType: 'x/y', headers: {}, expectedLength: big.length, senderDigest: () => ({ blocksCrc32: blocksDigest(h.finish()) }) });
      expect(meta.etag).toBe(createHash('md5').update(big).digest('hex'));
      await expect(f.current()).resolves.toMatchObject({ kind: 'data', meta: { etag: meta.etag } });
    });

    it('announces the MD5 of the body it hashed for the other replicas once the body is checked, before it is stored', async () => {
      const f = file();
      const own = createHash('md5').update(body).digest('hex');
      const announced: Array<{ etag: string; stored: boolean }> = [];
      const announce = (etag: string) => announced.push({ etag, stored: readdirSync(f.dir).some((n) => n.endsWith('.data')) });
      const crcs = blocksDigest([crcHex(crc32(body))]);
      const meta = await f.write(Readable.from([body]), { name: '/a/c/o', timestamp: '0000000001.00000', contentType: 'text/plain', headers: {}, senderDigest: () => ({ blocksCrc32: crcs }), announceEtag: announce });
      expect(meta.etag).toBe(own);
      expect(announced).toEqual([{ etag: own, stored: false }]);
      // a damaged copy announces nothing
      await expect(
        f.write(Readable.from([body]), { name: '/a/c/o', timestamp: '0000000002.00000', contentType: 'text/plain', headers: {}, senderDigest: () => ({ blocksCrc32: blocksDigest([crcHex(crc32(body) ^ 1)]) }), announceEtag: announce }),
      ).rejects.toBeInstanceOf(DigestMismatch);
      expect(announced).toHaveLength(1);
    });

    it("still refuses a body whose sender's ETag is not the client's", async () => {
      const f = file();
      await expect(write(f, () => ({ etag: md5, blocksCrc32: blocksDigest([crcHex(crc32(body))]) }), 'd41d8cd98f00b204e9800998ecf8427e')).rejects.toBeInstanceOf(EtagMismatch);
      expect(readdirSync(f.dir)).toEqual([]);
    });
  });

  it('keeps a POST as newer metadata beside the same data, refusing older ones', async () => {
    const f = file();
    await put(f, 'x', '0000000001.00000');
    await expect(f.updateMetadata('0000000003.00000', { 'x-object-meta-k': 'new' })).resolves.toBe('ok');
    await expect(f.updateMetadata('0000000002.00000', { 'x-object-meta-k': 'old' })).resolves.toBe('stale');
    const cur = await f.current();
    if (cur?.kind !== 'data') throw new Error('no data');
    expect(cur.meta).toMatchObject({ timestamp: '0000000001.00000', metaTimestamp: '0000000003.00000', headers: { 'x-object-meta-k': 'new' } });
    expect(readdirSync(f.dir).sort()).toEqual(['0000000001.00000.data', '0000000003.00000.meta.json']);
  });

  it('says an object state from file names alone', () => {
    expect(stateOfFiles(['0000000001.00000.data', '0000000001.00000.meta.json', '0000000004.00000.meta.json'])).toEqual({ kind: 'data', timestamp: '0000000001.00000', metaTimestamp: '0000000004.00000' });
    expect(stateOfFiles(['0000000001.00000.data', '0000000002.00000.ts'])).toEqual({ kind: 'tombstone', timestamp: '0000000002.00000', metaTimestamp: '0000000002.00000' });
    expect(stateOfFiles(['.tmp-x', 'junk'])).toBeNull();
  });

  it('hashes suffixes so that equal states give equal hashes and any change shows', async () => {
    const f = file();
    await put(f, 'x', '0000000001.00000');
    const before = suffixHashes(await partitionListing(root, 'd1', 7));
    expect(Object.keys(before)).toEqual(['789']);
    await f.updateMetadata('0000000002.00000', {});
    const after = suffixHashes(await partitionListing(root, 'd1', 7));
    expect(after['789']).not.toBe(before['789']);
    const other = mkdtempSync(join(tmpdir(), 'kumo-disk-'));
    try {
      const g = new DiskFile(other, 'd9', 7, 'abcdef0123456789abcdef0123456789');
      await put(g, 'x', '0000000001.00000');
      await g.updateMetadata('0000000002.00000', { 'x-object-meta-z': '1' });
      expect(suffixHashes(await partitionListing(other, 'd9', 7))).toEqual(after);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('keeps suffix hashes current across processes through the partition\'s invalidation file', async () => {
    const f = file();
    await put(f, 'x', '0000000001.00000');
    const server = new SuffixHashCache(root);
    const before = await server.get('d1', 7);
    // another process (kumo-object-daemon) quarantines the object and records it
    const daemon = new SuffixHashCache(root, { persist: true });
    await f.quarantine();
    daemon.invalidate('d1', 7, '789');
    expect(await server.get('d1', 7)).toEqual({});
    expect(before['789']).toBeDefined();
    expect(readdirSync(join(root, 'd1', 'objects', '7'))).not.toContain('.hashes.invalid');
  });

  it('answers concurrent requests for a partition with the whole hashes, never half-computed ones', async () => {
    // one object per suffix ('000'..'019': a hash's last three hex digits), so a wrong suffix marked shows
    const objectIn = (suffix: string) => new DiskFile(root, 'd1', 7, `abcdef0123456789abcdef0123456${suffix}`);
    for (let i = 0; i < 20; i++) await put(objectIn(String(i).padStart(3, '0')), `o${i}`, '0000000001.00000');
    const cache = new SuffixHashCache(root);
    const [a, b, c] = await Promise.all([cache.get('d1', 7), cache.get('d1', 7), cache.get('d1', 7)]);
    expect(Object.keys(a)).toHaveLength(20);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    // a suffix marked dirty while another call recomputes is seen by the calls after it: a new object
    // in a new suffix and a changed one in an existing suffix, each marked while a recomputation runs
    cache.invalidate('d1', 7, '000');
    const running = cache.get('d1', 7);
    await put(objectIn('fff'), 'new', '0000000002.00000');
    cache.invalidate('d1', 7, 'fff');
    await objectIn('005').updateMetadata('0000000003.00000', { 'x-object-meta-k': 'changed' });
    cache.invalidate('d1', 7, '005');
    await running;
    const [d, e] = await Promise.all([cache.get('d1', 7), cache.get('d1', 7)]);
    expect(a.fff).toBeUndefined();
    expect(d.fff).toBeDefined();
    expect(d['005']).not.toBe(a['005']);
    // and exactly what a computation from scratch gives
    expect(d).toEqual(suffixHashes(await partitionListing(root, 'd1', 7)));
    expect(e).toEqual(d);
  });

  it('quarantines the whole object directory', async () => {
    const f = file();
    await put(f, 'x', '0000000001.00000');
    const to = await f.quarantine();
    expect(to).toContain(join(root, 'd1', 'quarantined', 'objects'));
    await expect(f.current()).resolves.toBeNull();
    expect(readdirSync(to).sort()).toEqual(['0000000001.00000.data']);
  });
});

describe('BlockHasher', () => {
  it('hashes per block whatever the chunking', () => {
    const data = Buffer.alloc(BLOCK_SIZE * 2 + 10);
    for (let i = 0; i < data.length; i++) data[i] = i % 251;
    const expected = [data.subarray(0, BLOCK_SIZE), data.subarray(BLOCK_SIZE, 2 * BLOCK_SIZE), data.subarray(2 * BLOCK_SIZE)].map((b) => crcHex(crc32(b)));
    for (const chunk of [1000, 65536, BLOCK_SIZE, data.length]) {
      const h = new BlockHasher();
      for (let off = 0; off < data.length; off += chunk) h.update(data.subarray(off, off + chunk));
      expect(h.finish()).toEqual(expected);
    }
    expect(new BlockHasher().finish()).toEqual([]);
  });
});
