import { OpError, runOps } from '../src/ops';

describe('bench runOps', () => {
  it('sums the bytes of concurrent operations that finish out of order', async () => {
    const errors = new Map<string, number>();
    const raw = await runOps(
      40,
      4,
      async (i) => {
        await new Promise((r) => setTimeout(r, (i * 7) % 5));
        return 1000 + i;
      },
      errors,
    );
    expect(raw.bytes).toBe(40 * 1000 + (39 * 40) / 2);
    expect(raw.latencies).toHaveLength(40);
    expect(raw.errors).toBe(0);
  });

  it('counts failures by kind and leaves their bytes out', async () => {
    const errors = new Map<string, number>();
    const raw = await runOps(
      10,
      3,
      async (i) => {
        await new Promise((r) => setTimeout(r, 1));
        if (i % 5 === 0) throw new OpError('GET HTTP 503');
        return 10;
      },
      errors,
    );
    expect(raw.bytes).toBe(80);
    expect(raw.errors).toBe(2);
    expect(errors.get('GET HTTP 503')).toBe(2);
  });
});
