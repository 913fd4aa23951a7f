import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListingDb } from '../../src/storage/listing-db';

describe('ListingDb', () => {
  let dir: string;
  let db: ListingDb;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kumo-listing-'));
    db = new ListingDb(join(dir, 'c.db'), 'container');
    db.initialize('0000000001.00000');
    for (const name of ['a', 'dir/x', 'dir/y', 'dir/sub/z', 'e', 'é']) {
      db.putRow({ name, timestamp: '0000000002.00000', size: 10, contentType: 'text/plain', etag: 'abc', deleted: false });
    }
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const names = (rows: ReturnType<ListingDb['list']>) => rows.map((r) => ('subdir' in r ? `[${r.subdir}]` : r.name));

  it('lists in byte order, strictly after the marker, before the end marker', () => {
    expect(names(db.list({ limit: 100 }))).toEqual(['a', 'dir/sub/z', 'dir/x', 'dir/y', 'e', 'é']);
    expect(names(db.list({ limit: 2, marker: 'a' }))).toEqual(['dir/sub/z', 'dir/x']);
    expect(names(db.list({ limit: 100, endMarker: 'dir/y' }))).toEqual(['a', 'dir/sub/z', 'dir/x']);
    expect(names(db.list({ limit: 100, reverse: true }))).toEqual(['é', 'e', 'dir/y', 'dir/x', 'dir/sub/z', 'a']);
  });

  it('rolls names up into pseudo-folders with a delimiter', () => {
    expect(names(db.list({ limit: 100, delimiter: '/' }))).toEqual(['a', '[dir/]', 'e', 'é']);
    expect(names(db.list({ limit: 100, prefix: 'dir/', delimiter: '/' }))).toEqual(['[dir/sub/]', 'dir/x', 'dir/y']);
  });

  it('keeps the newest row (last writer wins) and counts only live rows', () => {
    db.putRow({ name: 'a', timestamp: '0000000001.50000', size: 999, deleted: false }); // older: ignored
    db.putRow({ name: 'e', timestamp: '0000000003.00000', size: 0, deleted: true });
    expect(names(db.list({ limit: 100 }))).not.toContain('e');
    expect(db.info()).toMatchObject({ objectCount: 5, bytesUsed: 50 });
  });

  it('merges metadata per key by timestamp and drops removed keys', () => {
    db.updateMetadata({ 'x-container-meta-a': '1', 'x-container-meta-b': '2' }, '0000000005.00000');
    db.updateMetadata({ 'x-container-meta-a': 'old' }, '0000000004.00000');
    db.updateMetadata({ 'x-container-meta-b': '' }, '0000000006.00000');
    expect(db.info().metadata).toEqual({ 'x-container-meta-a': ['1', '0000000005.00000'] });
  });

  it('is deleted by a newer DELETE and revived by a newer PUT', () => {
    db.markDeleted('0000000009.00000');
    expect(db.isLive()).toBe(false);
    db.initialize('0000000010.00000');
    expect(db.isLive()).toBe(true);
  });
});
