import type { ServerRecord } from '../../services/servers.service';
import type { ComputeLinks } from '../../views/links';
import { serverBasicView, serverView, ViewVersion } from '../../views/server.view';

export { serverBasicView, serverCreateView, serverView } from '../../views/server.view';

/** A list with `servers_links` (rel next) when the page is full. */
export function serverListView(links: ComputeLinks, records: ServerRecord[], admin: boolean, detail: boolean, page: { collection: string; query: Record<string, unknown>; limit: number }, version?: ViewVersion): Record<string, unknown> {
  const out: Record<string, unknown> = { servers: records.map((r) => (detail ? serverView(links, { ...r, admin, version }) : serverBasicView(links, r.instance))) };
  const next = links.collection(page.collection, page.query, records.length, page.limit, records[records.length - 1]?.instance.uuid);
  if (next.length) out.servers_links = next;
  return out;
}
