import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListingDb, listingQueryOf, type ListingQuery } from '../../src/storage/listing-db';

/**
 * The listing algorithm against Swift's (swift/container/backend.py list_objects_iter, the same in
 * swift/account/backend.py list_containers_iter): roll-ups, markers equal to a subdir, reverse
 * with markers swapped, and a client's paging (marker = the last name or subdir of a page) that
 * must reach the end and list each entry once.
 */
describe('listing with delimiters, markers and paging (Swift list_objects_iter)', () => {
  const NAMES = ['a', 'dir/sub/x', 'dir/sub/y', 'dir/x', 'dir/y', 'dir0', 'e/f', 'é', '\u{1F600}/z'];
  let dir: string;
  let dbs: Record<'container' | 'account', ListingDb>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kumo-listing-'));
    dbs = { container: new ListingDb(join(dir, 'c.db'), 'container'), account: new ListingDb(join(dir, 'a.db'), 'account') };
    for (const db of Object.values(dbs)) {
      db.initialize('0000000001.00000');
      for (const name of NAMES) db.putRow({ name, timestamp: '0000000002.00000', size: 1, contentType: 'text/plain', etag: 'e', count: 1, deleted: false });
      // a deleted row under a subdir never shows, not even as a roll-up
      db.putRow({ name: 'gone/x', timestamp: '0000000003.00000', size: 0, deleted: true });
    }
  });
  afterAll(() => {
    for (const db of Object.values(dbs)) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const show = (rows: ReturnType<ListingDb['list']>) => rows.map((r) => ('subdir' in r ? `[${r.subdir}]` : r.name));

  describe.each(['container', 'account'] as const)('%s listing', (kind) => {
    const list = (q: Partial<ListingQuery>) => show(dbs[kind].list({ limit: 10000, ...q }));

    /** What a client's full listing collects: pages of `limit`, each after the last entry of the one before. */
    function page(q: Partial<ListingQuery>, limit: number): string[] {
      const all: string[] = [];
      let marker = q.marker;
      for (let i = 0; i < 100; i++) {
        const rows = dbs[kind].list({ ...q, marker, limit });
        if (rows.length === 0) return all;
        all.push(...show(rows));
        const last = rows[rows.length - 1];
        marker = 'subdir' in last ? last.subdir : last.name;
      }
      throw new Error(`no end after 100 pages: ${all.slice(-10).join(' ')}`);
    }

    it('does not list a subdir equal to the marker again (the swift list loop)', () => {
      expect(list({ prefix: 'dir/', delimiter: '/', marker: 'dir/sub/' })).toEqual(['dir/x', 'dir/y']);
      expect(list({ delimiter: '/', marker: 'dir/' })).toEqual(['dir0', '[e/]', 'é', '[\u{1F600}/]']);
      expect(list({ prefix: 'dir/', delimiter: '/', marker: 'dir/y' })).toEqual([]);
    });

    it('rolls up with and without a prefix, in byte order', () => {
      expect(list({ delimiter: '/' })).toEqual(['a', '[dir/]', 'dir0', '[e/]', 'é', '[\u{1F600}/]']);
      expect(list({ prefix: 'dir/', delimiter: '/' })).toEqual(['[dir/sub/]', 'dir/x', 'dir/y']);
      expect(list({ prefix: 'dir', delimiter: '/' })).toEqual(['[dir/]', 'dir0']);
      expect(list({ prefix: 'dir/s', delimiter: '/' })).toEqual(['[dir/sub/]']);
      // a name that ends in the delimiter is a subdir of its own
      expect(list({ prefix: 'dir/', delimiter: 'x' })).toEqual(['[dir/sub/x]', 'dir/sub/y', '[dir/x]', 'dir/y']);
      expect(list({ delimiter: 'r' })).toEqual(['a', '[dir]', 'e/f', 'é', '\u{1F600}/z']);
    });

    it('pages to the end with marker = the last entry, whatever the page size', () => {
      const cases: Array<Partial<ListingQuery>> = [
        { prefix: 'dir/', delimiter: '/' },
        { delimiter: '/' },
        { delimiter: '/', reverse: true },
        { prefix: 'dir/', delimiter: '/', reverse: true },
        { prefix: 'dir/' },
        {},
        { reverse: true },
      ];
      for (const q of cases) {
        const whole = list(q);
        for (const limit of [1, 2, 3, 5]) expect({ q, limit, got: page(q, limit) }).toEqual({ q, limit, got: whole });
      }
    });

    it('lists in reverse with a delimiter, marker as the upper and end_marker as the lower bound', () => {
      expect(list({ delimiter: '/', reverse: true })).toEqual(['[\u{1F600}/]', 'é', '[e/]', 'dir0', '[dir/]', 'a']);
      expect(list({ reverse: true, marker: 'dir/x' })).toEqual(['dir/sub/y', 'dir/sub/x', 'a']);
      expect(list({ reverse: true, endMarker: 'dir0' })).toEqual(['\u{1F600}/z', 'é', 'e/f']);
      expect(list({ delimiter: '/', reverse: true, marker: 'dir0' })).toEqual(['[dir/]', 'a']);
      // end_marker equal to a subdir: in reverse it is the lower bound and not listed itself
      expect(list({ delimiter: '/', reverse: true, endMarker: 'dir/' })).toEqual(['[\u{1F600}/]', 'é', '[e/]', 'dir0']);
      expect(list({ prefix: 'dir/', delimiter: '/', reverse: true, marker: 'dir/x' })).toEqual(['[dir/sub/]']);
      expect(list({ prefix: 'dir/', delimiter: '/', reverse: true, marker: 'dir/sub/' })).toEqual([]);
    });

    it('stops before end_marker, also when it equals a subdir', () => {
      expect(list({ delimiter: '/', endMarker: 'dir/' })).toEqual(['a']);
      expect(list({ delimiter: '/', endMarker: 'dir/x' })).toEqual(['a', '[dir/]']);
      expect(list({ prefix: 'dir/', delimiter: '/', endMarker: 'dir/sub/' })).toEqual([]);
      expect(list({ prefix: 'dir/', delimiter: '/', endMarker: 'dir/sub/y' })).toEqual(['[dir/sub/]']);
      expect(list({ prefix: 'dir/', endMarker: 'e' })).toEqual(['dir/sub/x', 'dir/sub/y', 'dir/x', 'dir/y']);
    });

    it('lists direct children only with path= (no subdirs; the path itself left out)', () => {
      expect(list({ path: 'dir' })).toEqual(['dir/x', 'dir/y']);
      expect(list({ path: 'dir/', prefix: 'ignored', delimiter: 'x' })).toEqual(['dir/x', 'dir/y']);
      expect(list({ path: 'dir/sub' })).toEqual(['dir/sub/x', 'dir/sub/y']);
      // as in Swift: after skipping dir/..., the scan goes on strictly after "dir0", which is lost
      expect(list({ path: '' })).toEqual(['a', 'é']);
      expect(list({ path: 'dir', reverse: true })).toEqual(['dir/y', 'dir/x']);
      expect(list({ path: '', reverse: true })).toEqual(['é', 'dir0', 'a']);
    });

    it('counts a limit in entries, a subdir as one', () => {
      expect(list({ delimiter: '/', limit: 2 })).toEqual(['a', '[dir/]']);
      expect(list({ delimiter: '/', limit: 3, marker: 'a' })).toEqual(['[dir/]', 'dir0', '[e/]']);
      expect(list({ limit: 0 })).toEqual([]);
    });
  });

  it('reads the query as Swift does: a limit of digits only, 0 included; markers; reverse', () => {
    const q = (s: string) => listingQueryOf(new URLSearchParams(s));
    expect(q('limit=0').limit).toBe(0);
    expect(q('limit=7').limit).toBe(7);
    expect(q('limit=abc').limit).toBe(10000);
    expect(q('limit=-1').limit).toBe(10000);
    expect(q('limit=99999').limit).toBe(10000);
    expect(q('reverse=on&marker=m&end_marker=e&prefix=p&delimiter=/')).toEqual({ limit: 10000, reverse: true, marker: 'm', endMarker: 'e', prefix: 'p', delimiter: '/' });
    expect(q('reverse=no&marker=').marker).toBeUndefined();
    expect(q('reverse=no').reverse).toBe(false);
    expect(q('path=').path).toBe('');
    expect(q('prefix=p').path).toBeUndefined();
  });
});
