import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskCeiling } from '../src/disk-ceiling';

describe('bench disk ceiling', () => {
  it('writes three fsynced copies, reads them back and leaves nothing behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-ceiling-'));
    try {
      const bodies = Array.from({ length: 5 }, (_, i) => Buffer.alloc(3 << 20, i));
      const dropped: string[] = [];
      const drop = async (files: readonly string[]) => {
        dropped.push(...files);
        return 'dropped (test)';
      };
      const c = await diskCeiling(dir, bodies, 2, drop);
      expect(dropped).toHaveLength(5);
      expect(c).toMatchObject({ objects: 5, objectBytes: 15 << 20, copies: 3, concurrency: 2 });
      for (const r of [c.write, c.read, c.readCached]) {
        expect(r.seconds).toBeGreaterThan(0);
        expect(r.mbPerSecond).toBeCloseTo((15 << 20) / r.seconds / 1e6);
      }
      expect(c.cacheDrop).toMatch(/dropped/);
      await expect(readdir(dir)).resolves.toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
