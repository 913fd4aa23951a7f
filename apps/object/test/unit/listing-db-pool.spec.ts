import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListingDbPool } from '../../src/storage/listing-db';

/** The files of `dir` this process has open (SQLite's database and WAL files). */
function openFilesUnder(dir: string): string[] {
  return readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((f) => f.startsWith(dir) && f.endsWith('.db'));
}

describe('ListingDbPool', () => {
  let dir: string;
  let pool: ListingDbPool;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kumo-pool-'));
    pool = new ListingDbPool(3);
  });
  afterEach(() => {
    pool.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const path = (i: number) => join(dir, `c${i}`, `c${i}.db`);
  const row = (name: string) => ({ name, timestamp: '0000000002.00000', size: 1, deleted: false });

  it('keeps at most maxOpen connections, closing the least recently used', () => {
    const dbs = [0, 1, 2].map((i) => pool.get('container', path(i)));
    expect(pool.get('container', path(0))).toBe(dbs[0]); // now the most recently used
    pool.get('container', path(3));
    expect(pool.size).toBe(3);
    expect(dbs.map((d) => d.isOpen)).toEqual([true, false, true]);
    expect(openFilesUnder(dir).sort()).toEqual([path(0), path(2), path(3)].sort());
  });

  it('reopens a released database on its next use, with its rows, and counts it open again', () => {
    const first = pool.get('container', path(0));
    first.initialize('0000000001.00000');
    first.putRow(row('kept'));
    for (const i of [1, 2, 3]) pool.get('container', path(i)).putRow(row('x'));
    expect(first.isOpen).toBe(false);
    // a holder across the eviction (the replicator during a request) keeps working
    expect(first.list({ limit: 10 }).map((r) => ('name' in r ? r.name : r.subdir))).toEqual(['kept']);
    first.putRow(row('after'));
    expect(first.info().objectCount).toBe(2);
    expect(first.isOpen).toBe(true);
    expect(pool.size).toBe(3);
    expect(pool.get('container', path(0))).toBe(first);
  });

  it('keeps one connection per file when a released holder and a new one both use it', () => {
    const stale = pool.get('container', path(0));
    for (const i of [1, 2, 3]) pool.get('container', path(i));
    const fresh = pool.get('container', path(0));
    expect(fresh).not.toBe(stale);
    stale.putRow(row('from the stale one'));
    expect(fresh.isOpen).toBe(false);
    expect(fresh.list({ limit: 10 })).toHaveLength(1);
    expect([stale.isOpen, fresh.isOpen]).toEqual([false, true]);
    expect(pool.size).toBe(3);
  });

  it('refuses a pool of no connection', () => {
    expect(() => new ListingDbPool(0)).toThrow(/at least 1/);
  });
});
