import { quantile, summarise } from '../src/stats';

describe('bench stats', () => {
  it('computes nearest-rank quantiles', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(v, 0.5)).toBe(50);
    expect(quantile(v, 0.99)).toBe(99);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('summarises a phase', () => {
    expect(summarise([1, 2, 3, 4], 1, 2)).toEqual({ requests: 4, errors: 1, seconds: 2, rate: 2, p50: 2, p99: 4 });
  });
});
