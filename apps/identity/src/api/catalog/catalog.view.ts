import { EndpointEntity, RegionEntity, ServiceEntity } from '../../db/entities';
import type { ApiLinks, Json } from '../links';

export function regionView(links: ApiLinks, r: RegionEntity): Json {
  return { id: r.id, description: r.description ?? '', parent_region_id: r.parentRegionId, links: { self: links.url(`regions/${r.id}`) } };
}

export function serviceView(links: ApiLinks, s: ServiceEntity): Json {
  const out: Json = { id: s.id, type: s.type, name: s.name ?? '', enabled: s.enabled, links: { self: links.url(`services/${s.id}`) } };
  if (s.description !== null) out.description = s.description;
  return out;
}

export function endpointView(links: ApiLinks, e: EndpointEntity): Json {
  return {
    id: e.id,
    interface: e.interface,
    region: e.regionId,
    region_id: e.regionId,
    service_id: e.serviceId,
    url: e.url,
    enabled: e.enabled,
    links: { self: links.url(`endpoints/${e.id}`) },
  };
}
