import type { CatalogEntry } from '../../services/catalog.service';
import { keystoneTime } from '../../services/token-codec';
import type { TokenView } from '../../services/token-provider';

/** The Keystone v3 token body (`{"token": {...}}`) of a resolved token. */
export function renderToken(view: TokenView, catalog?: CatalogEntry[]): { token: Record<string, unknown> } {
  const p = view.payload;
  const token: Record<string, unknown> = {
    methods: p.methods,
    user: {
      domain: { id: view.userDomain.id, name: view.userDomain.name },
      id: view.user.id,
      name: view.user.name,
      password_expires_at: null,
    },
    audit_ids: p.auditIds,
    expires_at: keystoneTime(p.expiresAt),
    issued_at: keystoneTime(p.issuedAt),
  };
  if (view.project && view.projectDomain) {
    token.project = {
      domain: { id: view.projectDomain.id, name: view.projectDomain.name },
      id: view.project.id,
      name: view.project.name,
    };
    token.is_domain = false;
  } else if (view.domain) {
    token.domain = { id: view.domain.id, name: view.domain.name };
  } else if (view.system) {
    token.system = { all: true };
  }
  if (p.scope) token.roles = view.roles.map((r) => ({ id: r.id, name: r.name }));
  if (view.applicationCredential) {
    token.application_credential = {
      id: view.applicationCredential.id,
      name: view.applicationCredential.name,
      restricted: !view.applicationCredential.unrestricted,
    };
  }
  if (catalog) token.catalog = catalog;
  return { token };
}
