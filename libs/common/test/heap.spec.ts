import { settleWhenIdle, SettleProbe } from '../src/heap';

const MiB = 1024 * 1024;

/** A process whose RSS and event-loop use the test sets; a collection brings RSS down to `floor`. */
class FakeProcess implements SettleProbe {
  rssBytes = 100 * MiB;
  utilization = 0;
  floor = 90 * MiB;
  collections = 0;
  rss = () => this.rssBytes;
  busy = () => this.utilization;
  collect = () => {
    this.collections++;
    this.rssBytes = this.floor;
  };
}

describe('settleWhenIdle', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('collects once after three quiet intervals in a row once RSS grew, never while the loop is busy', () => {
    const p = new FakeProcess();
    const settled: Array<[number, number]> = [];
    const stop = settleWhenIdle({
      probe: p,
      everyMs: 1000,
      onSettle: (before, after) => settled.push([before, after]),
    });
    p.utilization = 0.6;
    p.rssBytes = 180 * MiB;
    jest.advanceTimersByTime(5000);
    expect(p.collections).toBe(0);
    p.utilization = 0.01;
    jest.advanceTimersByTime(2000);
    // a busy interval starts the count again
    p.utilization = 0.2;
    jest.advanceTimersByTime(1000);
    p.utilization = 0.01;
    jest.advanceTimersByTime(2000);
    expect(p.collections).toBe(0);
    jest.advanceTimersByTime(1000);
    expect(p.collections).toBe(1);
    // reported one interval later, when the pages V8 unmaps in the background are gone
    expect(settled).toEqual([]);
    p.rssBytes = 85 * MiB;
    jest.advanceTimersByTime(1000);
    expect(settled).toEqual([[180 * MiB, 85 * MiB]]);
    // quiet and not growing: left alone
    jest.advanceTimersByTime(30_000);
    expect(p.collections).toBe(1);
    stop();
  });

  it('does not collect for growth under minGrowthBytes above the lowest RSS since the last settle', () => {
    const p = new FakeProcess();
    const stop = settleWhenIdle({ probe: p, everyMs: 1000, minGrowthBytes: 8 * MiB });
    p.rssBytes = 95 * MiB; // the lowest is now 95
    jest.advanceTimersByTime(1000);
    p.rssBytes = 102 * MiB;
    jest.advanceTimersByTime(3000);
    expect(p.collections).toBe(0);
    p.rssBytes = 104 * MiB;
    jest.advanceTimersByTime(1000);
    expect(p.collections).toBe(1);
    stop();
  });

  it('measures growth from what the collection left, so an allocator that keeps the pages is not collected again', () => {
    const p = new FakeProcess();
    const stop = settleWhenIdle({ probe: p, everyMs: 1000 });
    p.rssBytes = 150 * MiB;
    p.floor = 149 * MiB; // the collection freed little
    jest.advanceTimersByTime(1000);
    jest.advanceTimersByTime(20_000);
    expect(p.collections).toBe(1);
    stop();
  });

  it('stops looking when stopped', () => {
    const p = new FakeProcess();
    settleWhenIdle({ probe: p, everyMs: 1000 })();
    p.rssBytes = 300 * MiB;
    jest.advanceTimersByTime(10_000);
    expect(p.collections).toBe(0);
  });

  it('settles this process with the default probe (its RSS, its event loop, a real full GC)', async () => {
    jest.useRealTimers();
    let settle!: (sizes: [number, number]) => void;
    const settled = new Promise<[number, number]>((r) => (settle = r));
    // no growth needed: the first quiet interval collects
    const stop = settleWhenIdle({
      everyMs: 100,
      minGrowthBytes: 0,
      quietBelow: 0.5,
      onSettle: (before, after) => settle([before, after]),
    });
    try {
      const [before, after] = await settled;
      expect(before).toBeGreaterThan(0);
      expect(after).toBeGreaterThan(0);
    } finally {
      stop();
    }
  });
});
