/** Who is calling, as a validated token says. */
export interface AuthContext {
  token: string;
  userId: string;
  userName: string;
  userDomainId: string;
  userDomainName: string;
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  domainId?: string;
  domainName?: string;
  system?: boolean;
  /** Effective role names, implied roles included (admin ⇒ member ⇒ reader). */
  roles: string[];
  expiresAt: Date;
  auditIds: string[];
  applicationCredentialId?: string;
}

interface NamedRef {
  id: string;
  name: string;
  domain?: { id: string; name: string };
}

/** Builds the context from a Keystone v3 token body (`{"token": {...}}`). */
export function authContextFromTokenBody(token: string, body: unknown): AuthContext {
  const t = (body as { token?: Record<string, unknown> })?.token;
  if (!t || typeof t !== 'object') throw new Error('not a Keystone v3 token body');
  const user = t.user as NamedRef & { domain: { id: string; name: string } };
  const project = t.project as NamedRef | undefined;
  const domain = t.domain as NamedRef | undefined;
  const system = t.system as { all?: boolean } | undefined;
  const roles = ((t.roles as Array<{ name: string }> | undefined) ?? []).map((r) => r.name);
  const appCred = t.application_credential as { id: string } | undefined;
  return {
    token,
    userId: user.id,
    userName: user.name,
    userDomainId: user.domain.id,
    userDomainName: user.domain.name,
    projectId: project?.id,
    projectName: project?.name,
    projectDomainId: project?.domain?.id,
    domainId: domain?.id,
    domainName: domain?.name,
    system: system?.all === true ? true : undefined,
    roles: expandRoles(roles),
    expiresAt: new Date(String(t.expires_at)),
    auditIds: (t.audit_ids as string[]) ?? [],
    applicationCredentialId: appCred?.id,
  };
}

/** OpenStack's default implications: admin ⇒ member ⇒ reader. */
export const ROLE_IMPLICATIONS: Readonly<Record<string, readonly string[]>> = { admin: ['member'], member: ['reader'] };

export function expandRoles(roles: string[]): string[] {
  const out = new Set(roles);
  const queue = [...roles];
  while (queue.length) {
    for (const implied of ROLE_IMPLICATIONS[queue.pop()!] ?? []) {
      if (!out.has(implied)) {
        out.add(implied);
        queue.push(implied);
      }
    }
  }
  return [...out].sort();
}
