import { EndpointNotFound } from './errors';

/** One service of a Keystone v3 token's catalog. */
export interface CatalogEntry {
  type?: string;
  name?: string;
  endpoints?: { interface?: string; region?: string; region_id?: string; url?: string }[];
}

export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface EndpointQuery {
  /** Default `public`. */
  interface?: EndpointInterface;
  /** Any region when absent (the first endpoint of the interface, in catalog order). */
  region?: string;
}

/** The catalog of a token body (`{"token": {"catalog": [...]}}`), or undefined when it has none. */
export function catalogOf(tokenBody: unknown): CatalogEntry[] | undefined {
  const catalog = (tokenBody as { token?: { catalog?: unknown } } | undefined)?.token?.catalog;
  return Array.isArray(catalog) ? (catalog as CatalogEntry[]) : undefined;
}

/**
 * The URL (no trailing slash) of the endpoint of service `type` with the interface (and region)
 * asked. Throws EndpointNotFound naming what is missing: the catalog, the service type, or the
 * interface in the region, with the endpoints the service does have.
 */
export function catalogEndpoint(catalog: CatalogEntry[] | undefined, type: string, q: EndpointQuery = {}): string {
  const iface = q.interface ?? 'public';
  if (!catalog) throw new EndpointNotFound('the token has no catalog');
  const endpoints = catalog.filter((s) => s.type === type).flatMap((s) => s.endpoints ?? []);
  if (!catalog.some((s) => s.type === type)) {
    const types = catalog.map((s) => s.type).filter(Boolean);
    throw new EndpointNotFound(`the catalog has no ${type} service (it has: ${types.join(', ') || 'none'})`);
  }
  const inRegion = (e: (typeof endpoints)[number]) => !q.region || e.region === q.region || e.region_id === q.region;
  const fit = endpoints.find((e) => e.interface === iface && e.url && inRegion(e));
  if (!fit?.url) {
    const has = endpoints.map((e) => `${e.interface ?? '?'} in ${e.region_id ?? e.region ?? 'no region'}`);
    throw new EndpointNotFound(`the ${type} service has no ${iface} endpoint${q.region ? ` in region ${q.region}` : ''} (it has: ${has.join(', ') || 'none'})`);
  }
  return fit.url.replace(/\/+$/, '');
}
