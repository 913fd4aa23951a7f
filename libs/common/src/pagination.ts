import { BadRequest } from './errors';

export interface PageRequest {
  limit?: number;
  marker?: string;
}

/** Parses `limit` and `marker` query parameters; a bad limit is a 400 naming the value. */
export function parsePageRequest(
  query: Record<string, unknown>,
  opts: { maxLimit?: number; defaultLimit?: number } = {},
): PageRequest {
  const out: PageRequest = {};
  const rawLimit = query.limit;
  if (rawLimit !== undefined && rawLimit !== '') {
    const n = Number(rawLimit);
    if (!Number.isInteger(n) || n < 0) throw new BadRequest(`Invalid limit '${String(rawLimit)}': must be a non-negative integer.`);
    out.limit = opts.maxLimit ? Math.min(n, opts.maxLimit) : n;
  } else if (opts.defaultLimit) {
    out.limit = opts.defaultLimit;
  }
  if (typeof query.marker === 'string' && query.marker !== '') out.marker = query.marker;
  return out;
}

/**
 * Applies limit/marker to an already sorted in-memory list. A marker that is not in the list is
 * a 400 (as Nova/Glance/Cinder answer). Returns the page and whether more items follow.
 */
export function paginate<T>(items: T[], page: PageRequest, idOf: (item: T) => string): { items: T[]; more: boolean } {
  let start = 0;
  if (page.marker !== undefined) {
    const idx = items.findIndex((i) => idOf(i) === page.marker);
    if (idx < 0) throw new BadRequest(`Marker ${page.marker} could not be found.`);
    start = idx + 1;
  }
  const rest = items.slice(start);
  if (page.limit === undefined) return { items: rest, more: false };
  return { items: rest.slice(0, page.limit), more: rest.length > page.limit };
}

/** A URL for the next page: the current URL with `marker` replaced (and `limit` kept). */
export function nextPageUrl(currentUrl: string, marker: string): string {
  const url = new URL(currentUrl);
  url.searchParams.set('marker', marker);
  return url.toString();
}
