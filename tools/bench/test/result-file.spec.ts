import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostInfo, resultName, writeResult } from '../src/result-file';
import { roundOrder } from '../src/util';

describe('bench result file and rounds', () => {
  it('names the result by benchmark and date, with no : or . in the time', () => {
    expect(resultName('image', new Date('2026-12-03T14:13:52.255Z'))).toBe(
      'image-2026-12-03T14-13-52-255Z.json',
    );
  });

  it('writes the document as JSON into the directory, creating it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    try {
      const file = writeResult(
        'image',
        new Date('2026-12-03T00:00:00.000Z'),
        { a: 1, host: hostInfo([1, 2, 3]) },
        join(dir, 'sub'),
      );
      expect(file).toBe(join(dir, 'sub', 'image-2026-12-03T00-00-00-000Z.json'));
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      expect(doc.a).toBe(1);
      expect(doc.host).toMatchObject({ loadavgBefore: [1, 2, 3], node: process.version });
      expect(doc.host.cpus).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('alternates the order of the targets round by round (A B, B A, A B)', () => {
    expect([0, 1, 2, 3].map((r) => roundOrder(['glance', 'kumo'], r).join(' '))).toEqual([
      'glance kumo',
      'kumo glance',
      'glance kumo',
      'kumo glance',
    ]);
    const targets = ['a', 'b', 'c'];
    roundOrder(targets, 1);
    expect(targets).toEqual(['a', 'b', 'c']);
  });
});
