import { joinUrl } from '@kumo/common/core';

/**
 * Nova's links (nova/api/openstack/common.py ViewBuilder): `self` under the versioned URL,
 * `bookmark` under the unversioned one, and a list's `next` link repeating the request's query
 * with the last item as marker.
 */
export class ComputeLinks {
  constructor(private readonly publicUrl: string) {}

  /** http://H:8774/v2.1 */
  get versioned(): string {
    return joinUrl(this.publicUrl, 'v2.1');
  }

  resource(collection: string, id: string): Array<{ rel: string; href: string }> {
    const tail = `${collection}/${encodeURIComponent(id)}`;
    return [
      { rel: 'self', href: joinUrl(this.versioned, tail) },
      { rel: 'bookmark', href: joinUrl(this.publicUrl, tail) },
    ];
  }

  /** `{rel: next}` when the page is full (as many items as the limit asked, or max_limit). */
  collection(collection: string, query: Record<string, unknown>, count: number, limit: number, lastId: string | undefined): Array<{ rel: string; href: string }> {
    if (limit === 0 || count !== limit || lastId === undefined) return [];
    const params = new URLSearchParams();
    for (const key of Object.keys(query).sort()) {
      if (key === 'marker') continue;
      const v = query[key];
      const last = Array.isArray(v) ? v[v.length - 1] : v;
      params.set(key, String(last));
    }
    params.set('marker', lastId);
    const sorted = new URLSearchParams([...params.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return [{ rel: 'next', href: `${joinUrl(this.versioned, collection)}?${sorted.toString()}` }];
  }
}
