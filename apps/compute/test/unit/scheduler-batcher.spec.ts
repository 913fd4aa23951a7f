import { Batcher } from '../../src/scheduler/batcher';

describe('Batcher (group commit)', () => {
  it('puts what arrives in one turn into one flush, and what arrives during a flush into the next', async () => {
    const flushes: number[][] = [];
    let release: () => void = () => undefined;
    const b = new Batcher<number, number>(async (items) => {
      flushes.push(items);
      if (flushes.length === 1) await new Promise<void>((r) => (release = r));
      return items.map((x) => x * 10);
    });
    const first = [b.submit(1), b.submit(2)];
    await new Promise((r) => setImmediate(r));
    expect(flushes).toEqual([[1, 2]]);
    const later = [b.submit(3), b.submit(4), b.submit(5)];
    expect(b.waiting).toBe(3);
    release();
    await expect(Promise.all([...first, ...later])).resolves.toEqual([10, 20, 30, 40, 50]);
    expect(flushes).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
  });

  it('flushes at most `max` items at a time', async () => {
    const sizes: number[] = [];
    const b = new Batcher<number>(async (items) => {
      sizes.push(items.length);
    }, 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => b.submit(i)));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it("rejects every item of a failed flush with its error, and goes on with the next batch", async () => {
    let n = 0;
    const b = new Batcher<string, string>(async (items) => {
      if (n++ === 0) throw new Error('database gone');
      return items.map((x) => x.toUpperCase());
    });
    const failed = [b.submit('a'), b.submit('b')];
    await expect(failed[0]).rejects.toThrow('database gone');
    await expect(failed[1]).rejects.toThrow('database gone');
    await expect(b.submit('c')).resolves.toBe('C');
  });
});
