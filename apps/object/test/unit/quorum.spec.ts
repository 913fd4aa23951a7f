import { quorumOrAll } from '../../src/proxy/quorum';

describe('quorumOrAll (a write waits for all replicas, or a grace period once a quorum stored it)', () => {
  const after = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms));

  it('returns every answer when all come in time', async () => {
    await expect(quorumOrAll([after(5, { status: 201 }), after(10, { status: 201 }), after(15, { status: 503 })], 2, 200)).resolves.toEqual([{ status: 201 }, { status: 201 }, { status: 503 }]);
  });

  it('stops waiting for a slow replica once a quorum succeeded and the grace period passed', async () => {
    const t0 = Date.now();
    const r = await quorumOrAll([after(5, { status: 201 }), after(10, { status: 201 }), after(2_000, { status: 201 })], 2, 50);
    expect(r).toEqual([{ status: 201 }, { status: 201 }, { status: 0 }]);
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('keeps waiting while failures leave it short of a quorum', async () => {
    const r = await quorumOrAll([after(5, { status: 201 }), after(10, { status: 503 }), after(150, { status: 201 })], 2, 20);
    expect(r.map((x) => x.status)).toEqual([201, 503, 201]);
  });
});
