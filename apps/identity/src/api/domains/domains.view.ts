import { DomainEntity } from '../../db/entities';
import type { ApiLinks, Json } from '../links';

export function domainView(links: ApiLinks, d: DomainEntity): Json {
  return { id: d.id, name: d.name, description: d.description ?? '', enabled: d.enabled, tags: d.tags, options: {}, links: { self: links.url(`domains/${d.id}`) } };
}
