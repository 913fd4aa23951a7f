import type { FlavorEntity } from '../../db/entities';
import type { ComputeLinks } from '../../views/links';
import type { ApiVersion } from '../microversion';

/** `{id, name, links}`: a flavor in GET /flavors. */
export function flavorBasicView(links: ComputeLinks, f: FlavorEntity): Record<string, unknown> {
  return { id: f.flavorid, name: f.name, links: links.resource('flavors', f.flavorid) };
}

/**
 * A flavor as Nova shows it at 2.1 (views/flavors.py show): swap 0 is `""` (an integer from 2.75),
 * the OS-FLV-* and os-flavor-access:* extension names. `_v` is where later microversions' fields
 * (description 2.55, extra_specs 2.61) will be gated; none is served yet (api/microversion.ts).
 */
export function flavorView(links: ComputeLinks, f: FlavorEntity, _v: ApiVersion): Record<string, unknown> {
  return {
    id: f.flavorid,
    name: f.name,
    ram: f.memoryMb,
    disk: f.rootGb,
    swap: f.swap || '',
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeralGb,
    'OS-FLV-DISABLED:disabled': f.disabled,
    vcpus: f.vcpus,
    'os-flavor-access:is_public': f.isPublic,
    rxtx_factor: f.rxtxFactor || '',
    links: links.resource('flavors', f.flavorid),
  };
}

/** A list with `flavors_links` (rel next) when the page is full. */
export function flavorListView(
  links: ComputeLinks,
  flavors: FlavorEntity[],
  item: (f: FlavorEntity) => Record<string, unknown>,
  page: { collection: string; query: Record<string, unknown>; limit: number },
): Record<string, unknown> {
  const out: Record<string, unknown> = { flavors: flavors.map(item) };
  const next = links.collection(page.collection, page.query, flavors.length, page.limit, flavors[flavors.length - 1]?.flavorid);
  if (next.length) out.flavors_links = next;
  return out;
}
