import { GroupEntity } from '../../db/entities';
import type { ApiLinks, Json } from '../links';

export function groupView(links: ApiLinks, g: GroupEntity): Json {
  return { id: g.id, name: g.name, domain_id: g.domainId, description: g.description ?? '', links: { self: links.url(`groups/${g.id}`) } };
}
