import { quantile, ratio, summarise } from '../src/stats';

describe('bench stats', () => {
  it('computes nearest-rank quantiles', () => {
    const v = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted on purpose
    expect(quantile(v, 0.5)).toBe(50);
    expect(quantile(v, 0.99)).toBe(99);
    expect(quantile(v, 1)).toBe(100);
    expect(quantile(v, 0)).toBe(1);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([], 0.5)).toBeNaN();
    expect(() => quantile([1], 1.5)).toThrow(RangeError);
  });

  it('sorts numerically, not as strings', () => {
    expect(quantile([10, 9, 100, 1], 0.5)).toBe(9);
  });

  it('does not reorder its input', () => {
    const v = [3, 1, 2];
    quantile(v, 0.5);
    expect(v).toEqual([3, 1, 2]);
  });

  it('summarises a phase', () => {
    expect(summarise([4, 1, 3, 2], 1, 2)).toEqual({
      requests: 4,
      errors: 1,
      seconds: 2,
      rate: 2,
      p50: 2,
      p99: 4,
      max: 4,
    });
    const empty = summarise([], 3, 1);
    expect(empty).toMatchObject({ requests: 0, errors: 3, rate: 0 });
    expect(empty.p50).toBeNaN();
  });

  it('computes ratios only when both sides are there', () => {
    expect(ratio(50, 100)).toBe(0.5);
    expect(ratio(1, 3)).toBe(0.33);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(undefined, 1)).toBeNull();
    expect(ratio(NaN, 1)).toBeNull();
  });
});
