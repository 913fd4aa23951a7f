import type { RingData, RingDevice } from './ring-types';

/** A seeded PRNG (mulberry32): the same seed gives the same ring. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NONE = 0xffff;

export interface BuilderState {
  partPower: number;
  replicas: number;
  minPartHours: number;
  devs: Array<RingDevice | null>;
  /** replica2part2dev[r][part] = device id, or null before the first rebalance */
  assignment: number[][] | null;
  /** hour (since the epoch) each partition last had a replica moved */
  lastPartMoves: number[];
  version: number;
}

export interface RebalanceResult {
  /** partition-replicas given a new device */
  moved: number;
  /** max |assigned - wanted| / wanted over weighted devices, in percent */
  balance: number;
}

/**
 * The ring builder (Swift's RingBuilder, our own algorithm): assigns each partition's replicas to
 * devices in proportion to weight, in distinct zones when there are enough zones (else distinct
 * hosts), moving as few partition-replicas as possible and at most one replica of a partition per
 * `minPartHours`.
 */
export class RingBuilder {
  constructor(readonly state: BuilderState) {}

  static create(partPower: number, replicas: number, minPartHours: number): RingBuilder {
    if (!Number.isInteger(partPower) || partPower < 1 || partPower > 24) throw new Error('part_power must be an integer from 1 to 24');
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > 10) throw new Error('replicas must be an integer from 1 to 10');
    if (!Number.isInteger(minPartHours) || minPartHours < 0) throw new Error('min_part_hours must be a non-negative integer');
    return new RingBuilder({ partPower, replicas, minPartHours, devs: [], assignment: null, lastPartMoves: new Array(2 ** partPower).fill(-1e9), version: 0 });
  }

  get partCount(): number {
    return 2 ** this.state.partPower;
  }

  get devices(): RingDevice[] {
    return this.state.devs.filter((d): d is RingDevice => d !== null);
  }

  addDevice(dev: Omit<RingDevice, 'id'> & { id?: number }): RingDevice {
    if (!(dev.weight >= 0)) throw new Error('weight must be >= 0');
    if (this.devices.some((d) => d.ip === dev.ip && d.port === dev.port && d.device === dev.device)) {
      throw new Error(`device ${dev.ip}:${dev.port}/${dev.device} is already in the ring`);
    }
    const id = dev.id ?? this.state.devs.length;
    if (id >= NONE) throw new Error('too many devices');
    const full: RingDevice = { ...dev, id };
    this.state.devs[id] = full;
    return full;
  }

  setWeight(id: number, weight: number): void {
    const dev = this.state.devs[id];
    if (!dev) throw new Error(`no device ${id}`);
    if (!(weight >= 0)) throw new Error('weight must be >= 0');
    dev.weight = weight;
  }

  /** Marks a device for removal: its partitions move at the next rebalance, then it is gone. */
  removeDevice(id: number): void {
    const dev = this.state.devs[id];
    if (!dev) throw new Error(`no device ${id}`);
    dev.weight = 0;
    (dev as RingDevice & { removed?: boolean }).removed = true;
  }

  /** Partition-replicas each device should hold, by weight (fractional). */
  wanted(): Map<number, number> {
    const devs = this.devices.filter((d) => !(d as { removed?: boolean }).removed);
    const total = devs.reduce((s, d) => s + d.weight, 0);
    const slots = this.partCount * this.state.replicas;
    return new Map(devs.map((d) => [d.id, total > 0 ? (d.weight / total) * slots : 0]));
  }

  rebalance(seed = 0, nowHours = Math.floor(Date.now() / 3_600_000)): RebalanceResult {
    const { replicas } = this.state;
    const parts = this.partCount;
    const active = this.devices.filter((d) => !(d as { removed?: boolean }).removed && d.weight > 0);
    if (active.length === 0) throw new Error('no device with weight: add devices before rebalancing');
    const random = seededRandom(seed);
    const wanted = this.wanted();
    const assignment = this.state.assignment ?? Array.from({ length: replicas }, () => new Array(parts).fill(NONE));
    const count = new Map<number, number>(active.map((d) => [d.id, 0]));
    for (const row of assignment) for (const id of row) if (count.has(id)) count.set(id, count.get(id)! + 1);
    const zoneCount = new Set(active.map((d) => `${d.region}/${d.zone}`)).size;
    const hostCount = new Set(active.map((d) => `${d.region}/${d.zone}/${d.ip}`)).size;
    const devById = new Map(active.map((d) => [d.id, d]));
    const zoneOf = (id: number) => `${devById.get(id)!.region}/${devById.get(id)!.zone}`;
    const hostOf = (id: number) => `${zoneOf(id)}/${devById.get(id)!.ip}`;
    const movable = (part: number) => nowHours - this.state.lastPartMoves[part] >= this.state.minPartHours;
    const order = Array.from({ length: parts }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }

    // 1. gather: replicas on gone/zero-weight devices and badly dispersed replicas
    const gathered: Array<[number, number]> = [];
    const movedThisRound = new Set<number>();
    const take = (r: number, part: number) => {
      const id = assignment[r][part];
      if (count.has(id)) count.set(id, count.get(id)! - 1);
      assignment[r][part] = NONE;
      gathered.push([r, part]);
    };
    for (const part of order) {
      for (let r = 0; r < replicas; r++) if (!devById.has(assignment[r][part])) take(r, part);
    }
    for (const part of order) {
      const zones = new Map<string, number>();
      for (let r = 0; r < replicas; r++) {
        const id = assignment[r][part];
        if (id === NONE) continue;
        const key = zoneCount >= replicas ? zoneOf(id) : hostCount >= replicas ? hostOf(id) : String(id);
        if (zones.has(key) && movable(part) && !movedThisRound.has(part)) {
          take(r, part);
          movedThisRound.add(part);
        } else zones.set(key, r);
      }
    }
    // 2. assign each gathered replica to the most underweight device that keeps the partition dispersed
    const sorted = [...gathered].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    for (const [r, part] of sorted) {
      const others = assignment.map((row) => row[part]).filter((id) => id !== NONE && id !== assignment[r][part]);
      const usedZones = new Set(others.map(zoneOf));
      const usedHosts = new Set(others.map(hostOf));
      let best = -1;
      let bestScore = -Infinity;
      for (const tier of [0, 1, 2]) {
        for (const d of active) {
          if (others.includes(d.id)) continue;
          if (tier === 0 && usedZones.has(zoneOf(d.id))) continue;
          if (tier === 1 && usedHosts.has(hostOf(d.id))) continue;
          const score = (wanted.get(d.id)! - count.get(d.id)!) / Math.max(wanted.get(d.id)!, 1e-9) + random() * 1e-9;
          if (score > bestScore) {
            bestScore = score;
            best = d.id;
          }
        }
        if (best >= 0) break;
      }
      if (best < 0) throw new Error(`cannot place replica ${r} of partition ${part}: fewer devices than replicas`);
      assignment[r][part] = best;
      count.set(best, count.get(best)! + 1);
      this.state.lastPartMoves[part] = nowHours;
    }

    // 3. rebalance by weight: underweight devices take replicas from overweight ones, choosing
    //    partitions where the move keeps the partition dispersed (one replica per partition per round)
    let stolen = 0;
    const deficit = (id: number) => wanted.get(id)! - count.get(id)!;
    const receivers = [...active].sort((x, y) => deficit(y.id) / wanted.get(y.id)! - deficit(x.id) / wanted.get(x.id)!);
    for (const d of receivers) {
      if (deficit(d.id) < 0.5) continue;
      for (const part of order) {
        if (deficit(d.id) < 0.5) break;
        if (movedThisRound.has(part) || !movable(part)) continue;
        const ids = assignment.map((row) => row[part]);
        if (ids.includes(d.id)) continue;
        let from = -1;
        let worst = 0.5;
        for (let r = 0; r < replicas; r++) {
          const id = ids[r];
          const surplus = -deficit(id);
          if (surplus < worst) continue;
          const others = ids.filter((_, i) => i !== r);
          if (zoneCount >= replicas && others.some((o) => zoneOf(o) === zoneOf(d.id))) continue;
          if (zoneCount < replicas && hostCount >= replicas && others.some((o) => hostOf(o) === hostOf(d.id))) continue;
          worst = surplus;
          from = r;
        }
        if (from < 0) continue;
        count.set(ids[from], count.get(ids[from])! - 1);
        count.set(d.id, count.get(d.id)! + 1);
        assignment[from][part] = d.id;
        movedThisRound.add(part);
        this.state.lastPartMoves[part] = nowHours;
        stolen++;
      }
    }

    // devices marked removed and now empty leave the ring
    this.state.devs = this.state.devs.map((d) => (d && (d as { removed?: boolean }).removed ? null : d));
    this.state.assignment = assignment;
    this.state.version++;
    return { moved: gathered.length + stolen, balance: this.balance() };
  }

  /** Max deviation of any weighted device from its wanted share, in percent. */
  balance(): number {
    if (!this.state.assignment) return 0;
    const wanted = this.wanted();
    const count = new Map<number, number>();
    for (const row of this.state.assignment) for (const id of row) count.set(id, (count.get(id) ?? 0) + 1);
    let worst = 0;
    for (const [id, w] of wanted) {
      if (w <= 0) continue;
      worst = Math.max(worst, (Math.abs((count.get(id) ?? 0) - w) / w) * 100);
    }
    return worst;
  }

  /** The ring as the readers use it. */
  toRingData(): RingData {
    if (!this.state.assignment) throw new Error('the ring has not been rebalanced yet');
    return {
      version: this.state.version,
      partPower: this.state.partPower,
      replicas: this.state.replicas,
      devs: this.state.devs.map((d) => (d ? { ...d } : null)),
      replica2part2dev: this.state.assignment.map((row) => Uint16Array.from(row)),
    };
  }
}
