import { ApplicationCredentialEntity, RoleEntity } from '../../db/entities';
import { keystoneTime } from '../../services/token-codec';
import type { ApiLinks, Json } from '../links';

/** Keystone's public attributes only (no user_id): the secret appears once, in the create response. */
export function applicationCredentialView(links: ApiLinks, a: ApplicationCredentialEntity, roles: RoleEntity[], secret?: string): Json {
  const out: Json = {
    id: a.id,
    name: a.name,
    description: a.description,
    project_id: a.projectId,
    expires_at: a.expiresAt ? keystoneTime(a.expiresAt, a.expiresAtMicros) : null,
    unrestricted: a.unrestricted,
    roles: roles.map((r) => ({ id: r.id, name: r.name, domain_id: r.domainId })),
    access_rules: [],
    links: { self: links.url(`users/${a.userId}/application_credentials/${a.id}`) },
  };
  if (secret !== undefined) out.secret = secret;
  return out;
}
