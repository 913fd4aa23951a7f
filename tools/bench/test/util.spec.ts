import { forEachLimited, formatTable, num } from '../src/util';

describe('bench util', () => {
  it('runs every item once with at most N in flight, each worker on one item at a time', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    const busy = new Set<number>();
    await forEachLimited(25, 4, async (i, worker) => {
      expect(busy.has(worker)).toBe(false);
      busy.add(worker);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, i % 3));
      seen.push(i);
      inFlight--;
      busy.delete(worker);
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(peak).toBe(4);
    await forEachLimited(0, 4, () => Promise.reject(new Error('never')));
  });

  it('formats numbers and tables', () => {
    expect(num(1.234, 2)).toBe('1.23');
    expect(num(null)).toBe('-');
    expect(num(NaN)).toBe('-');
    expect(
      formatTable(['a', 'bb', 'n'], [['x', 'y', '1'], ['longer', 'z', '100'], ['note that is long']]),
    ).toBe(['a       bb    n', 'x       y     1', 'longer  z   100', 'note that is long'].join('\n'));
  });
});
