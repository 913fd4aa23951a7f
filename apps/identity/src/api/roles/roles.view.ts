import { RoleEntity } from '../../db/entities';
import type { ApiLinks, Json } from '../links';

export function roleView(links: ApiLinks, r: RoleEntity): Json {
  const out: Json = { id: r.id, name: r.name, domain_id: r.domainId, options: r.options, links: { self: links.url(`roles/${r.id}`) } };
  if (r.description !== null) out.description = r.description;
  return out;
}

/** `{"role_inference": {"prior_role", "implies"}}`: `implies` one role (`single`) or a list; `links.self` when a path is given. */
export function roleInferenceView(links: ApiLinks, r: { prior: RoleEntity; implies: RoleEntity[] }, selfPath?: string, single = false): { role_inference: Json; links?: Json } {
  const ref = (x: RoleEntity): Json => ({ id: x.id, name: x.name, links: { self: links.url(`roles/${x.id}`) } });
  const out: { role_inference: Json; links?: Json } = { role_inference: { prior_role: ref(r.prior), implies: single ? ref(r.implies[0]) : r.implies.map(ref) } };
  if (selfPath) out.links = { self: links.url(selfPath) };
  return out;
}
