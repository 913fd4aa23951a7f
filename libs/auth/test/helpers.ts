import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthContext } from '../src/auth-context';
import { expandRoles } from '../src/roles';

/** A recorded Keystone v3 project-scoped token body (GET /v3/auth/tokens, catalog included). */
export function projectTokenBody(): { token: Record<string, unknown> } {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', 'keystone-project-token.json'), 'utf8'));
}

/** A project-scoped caller (project p1, user u1) with the given roles, expanded. */
export function caller(roles: string[], over: Partial<AuthContext> = {}): AuthContext {
  return {
    token: 'tok',
    userId: 'u1',
    userName: 'alice',
    userDomainId: 'default',
    userDomainName: 'Default',
    projectId: 'p1',
    projectName: 'demo',
    projectDomainId: 'default',
    roles: expandRoles(roles),
    expiresAt: new Date(Date.now() + 3_600_000),
    auditIds: ['audit-1'],
    ...over,
  };
}
