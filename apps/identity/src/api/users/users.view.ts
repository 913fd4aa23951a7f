import { UserEntity } from '../../db/entities';
import type { ApiLinks, Json } from '../links';

export function userView(links: ApiLinks, u: UserEntity): Json {
  const out: Json = { ...u.extra, id: u.id, name: u.name, domain_id: u.domainId, enabled: u.enabled, password_expires_at: null, options: u.options };
  if (u.defaultProjectId) out.default_project_id = u.defaultProjectId;
  if (u.description !== null) out.description = u.description;
  if (u.email !== null) out.email = u.email;
  out.links = { self: links.url(`users/${u.id}`) };
  return out;
}
