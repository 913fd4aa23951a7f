import { Ring } from '../../src/ring/ring';
import { RingBuilder, seededRandom } from '../../src/ring/ring-builder';
import type { RingDevice } from '../../src/ring/ring-types';

type Dev = Omit<RingDevice, 'id'>;

/** n zones, `perZone` devices each, uneven weights within a zone but equal zone totals. */
function unevenDevices(zones: number, perZone: number, seed: number): Dev[] {
  const random = seededRandom(seed);
  const devs: Dev[] = [];
  for (let z = 1; z <= zones; z++) {
    const weights = Array.from({ length: perZone }, () => 50 + Math.floor(random() * 150));
    const scale = 1000 / weights.reduce((a, b) => a + b, 0);
    weights.forEach((w, i) => devs.push({ region: 1, zone: z, ip: `10.0.${z}.${i + 1}`, port: 6200, device: `sd${i}`, weight: Math.round(w * scale * 100) / 100 }));
  }
  return devs;
}

function build(partPower: number, devs: Dev[], replicas = 3, seed = 1): RingBuilder {
  const b = RingBuilder.create(partPower, replicas, 1);
  for (const d of devs) b.addDevice(d);
  b.rebalance(seed, 1000);
  return b;
}

function zonesOf(b: RingBuilder, part: number): string[] {
  const devs = new Map(b.devices.map((d) => [d.id, d]));
  return b.state.assignment!.map((row) => `${devs.get(row[part])!.region}/${devs.get(row[part])!.zone}`);
}

describe('RingBuilder', () => {
  it.each([8, 10, 12, 14, 16])('balances within 1%% of weight at part power %i on uneven devices', (pp) => {
    // enough partitions per device for 1% to be above one partition of rounding
    const perZone = pp === 8 ? 1 : pp === 10 ? 2 : 4;
    const b = build(pp, unevenDevices(4, perZone, pp));
    expect(b.balance()).toBeLessThanOrEqual(1);
  });

  it('never puts two replicas of a partition in one zone when there are enough zones', () => {
    const b = build(10, unevenDevices(3, 3, 7));
    for (let part = 0; part < b.partCount; part++) expect(new Set(zonesOf(b, part)).size).toBe(3);
  });

  it('moves close to the theoretical minimum when a device is added, one replica per partition', () => {
    const b = build(12, unevenDevices(4, 3, 3));
    const before = b.state.assignment!.map((row) => [...row]);
    const added = b.addDevice({ region: 1, zone: 2, ip: '10.0.2.99', port: 6200, device: 'sdz', weight: 300 });
    const result = b.rebalance(5, 2000);
    const minimum = b.wanted().get(added.id)!;
    // the minimum is what the new device should hold; within a few percent of it moved
    expect(Math.abs(result.moved - minimum) / minimum).toBeLessThan(0.03);
    expect(b.balance()).toBeLessThanOrEqual(1);
    let changedParts = 0;
    for (let part = 0; part < b.partCount; part++) {
      const changed = before.filter((row, r) => row[part] !== b.state.assignment![r][part]).length;
      expect(changed).toBeLessThanOrEqual(1);
      if (changed) changedParts++;
    }
    expect(changedParts).toBe(result.moved);
  });

  it('does not move a partition twice within min_part_hours', () => {
    const b = build(10, unevenDevices(4, 2, 9));
    const first = b.addDevice({ region: 1, zone: 1, ip: '10.0.1.77', port: 6200, device: 'sdy', weight: 500 });
    b.rebalance(2, 5000);
    const snapshot = b.state.assignment!.map((row) => [...row]);
    const movedAt5000 = new Set(b.state.lastPartMoves.map((h, p) => (h === 5000 ? p : -1)).filter((p) => p >= 0));
    b.setWeight(first.id, 1000);
    b.rebalance(3, 5000); // same hour: partitions moved at 5000 must stay
    for (const part of movedAt5000) {
      for (let r = 0; r < 3; r++) expect(b.state.assignment![r][part]).toBe(snapshot[r][part]);
    }
  });

  it('moves every replica off a removed device', () => {
    const b = build(10, unevenDevices(4, 2, 11));
    b.removeDevice(0);
    b.rebalance(4, 9000);
    for (const row of b.state.assignment!) expect(row.includes(0)).toBe(false);
    expect(b.devices.some((d) => d.id === 0)).toBe(false);
  });

  it('builds the same ring from the same seed', () => {
    const a = build(10, unevenDevices(4, 2, 1), 3, 42);
    const b = build(10, unevenDevices(4, 2, 1), 3, 42);
    expect(a.state.assignment).toEqual(b.state.assignment);
  });
});

describe('Ring', () => {
  const b = build(10, unevenDevices(4, 2, 1));
  const ring = new Ring(b.toRingData(), { prefix: 'pre', suffix: 'suf' });

  it('hashes names with the cluster prefix/suffix to a stable partition', () => {
    const p = ring.getPartition('AUTH_x', 'c', 'o');
    expect(p).toBe(ring.getPartition('AUTH_x', 'c', 'o'));
    expect(p).toBeLessThan(1024);
    const other = new Ring(b.toRingData(), { prefix: 'other', suffix: 'suf' });
    const differs = ['a', 'b', 'c', 'd', 'e', 'f'].some((o) => other.getPartition('AUTH_x', 'c', o) !== ring.getPartition('AUTH_x', 'c', o));
    expect(differs).toBe(true);
  });

  it('gives three primaries in distinct zones and handoffs outside them', () => {
    const { part, nodes } = ring.getNodes('AUTH_x', 'c', 'o');
    expect(nodes).toHaveLength(3);
    expect(new Set(nodes.map((n) => n.zone)).size).toBe(3);
    const handoffs = [...ring.getMoreNodes(part)];
    expect(handoffs.length).toBe(b.devices.length - 3);
    expect(handoffs.some((h) => nodes.some((n) => n.id === h.id))).toBe(false);
    expect(nodes.map((n) => n.zone)).not.toContain(handoffs[0].zone);
  });
});
