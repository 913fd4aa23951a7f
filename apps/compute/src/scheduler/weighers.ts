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
