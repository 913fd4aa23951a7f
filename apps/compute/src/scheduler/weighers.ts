import { freeRamMb, HostState, PlacementSettings } from './host-state';

export type WeigherName = 'spread' | 'pack';

/**
 * Nova's RAMWeigher: spread (multiplier 1.0, the default) puts the next instance on the host with
 * the most free RAM; pack (a negative multiplier) on the one with the least, filling hosts one by
 * one. Ties go by host name, so the order is deterministic.
 */
export function weigh(hosts: HostState[], s: PlacementSettings, weigher: WeigherName): HostState[] {
  const sign = weigher === 'spread' ? -1 : 1;
  return [...hosts].sort((a, b) => sign * (freeRamMb(a, s) - freeRamMb(b, s)) || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}

/** The first of weigh()'s order, in one pass (hosts must not be empty). */
export function bestHost(hosts: HostState[], s: PlacementSettings, weigher: WeigherName): HostState {
  const sign = weigher === 'spread' ? -1 : 1;
  let best = hosts[0];
  let bestFree = freeRamMb(best, s);
  for (let i = 1; i < hosts.length; i++) {
    const h = hosts[i];
    const free = freeRamMb(h, s);
    if (sign * (free - bestFree) < 0 || (free === bestFree && h.host < best.host)) {
      best = h;
      bestFree = free;
    }
  }
  return best;
}
