import { Forbidden } from '@kumo/common';
import { AuthContext, expandRoles } from '../src/auth-context';
import { ADMIN, ADMIN_OR_PROJECT_MEMBER, ADMIN_OR_PROJECT_READER, anyOf, not, ownUser, PolicyEnforcer, role, SYSTEM_READER } from '../src/policy';

function ctx(roles: string[], extra: Partial<AuthContext> = {}): AuthContext {
  return {
    token: 't',
    userId: 'u1',
    userName: 'alice',
    userDomainId: 'default',
    userDomainName: 'Default',
    projectId: 'p1',
    roles: expandRoles(roles),
    expiresAt: new Date(Date.now() + 3600_000),
    auditIds: ['a'],
    ...extra,
  };
}

describe('policy', () => {
  it('expands admin ⇒ member ⇒ reader', () => {
    expect(expandRoles(['admin'])).toEqual(['admin', 'member', 'reader']);
    expect(expandRoles(['member'])).toEqual(['member', 'reader']);
    expect(expandRoles(['reader'])).toEqual(['reader']);
  });

  it('confines members and readers to their project', () => {
    expect(ADMIN_OR_PROJECT_MEMBER(ctx(['member']), { project_id: 'p1' })).toBe(true);
    expect(ADMIN_OR_PROJECT_MEMBER(ctx(['member']), { project_id: 'p2' })).toBe(false);
    expect(ADMIN_OR_PROJECT_MEMBER(ctx(['reader']), { project_id: 'p1' })).toBe(false);
    expect(ADMIN_OR_PROJECT_READER(ctx(['reader']), { project_id: 'p1' })).toBe(true);
    expect(ADMIN_OR_PROJECT_MEMBER(ctx(['admin']), { project_id: 'p2' })).toBe(true);
  });

  it('composes rules', () => {
    expect(SYSTEM_READER(ctx(['reader'], { system: true, projectId: undefined }), {})).toBe(true);
    expect(SYSTEM_READER(ctx(['reader']), {})).toBe(false);
    expect(anyOf(ADMIN, ownUser)(ctx(['reader']), { user_id: 'u1' })).toBe(true);
    expect(not(role('admin'))(ctx(['admin']), {})).toBe(false);
  });

  it('enforces with OpenStack’s message and denies unknown actions', () => {
    const unknown: string[] = [];
    const enforcer = new PolicyEnforcer({ 'svc:list': ADMIN }, (a) => unknown.push(a));
    expect(() => enforcer.enforce('svc:list', ctx(['admin']))).not.toThrow();
    expect(() => enforcer.enforce('svc:list', ctx(['member']))).toThrow(
      new Forbidden('You are not authorized to perform the requested action: svc:list.'),
    );
    expect(enforcer.check('svc:nothing', ctx(['admin']))).toBe(false);
    expect(unknown).toEqual(['svc:nothing']);
  });
});
