import { AuthContext, expandRoles, PolicyEnforcer } from '@kumo/auth';
import { IDENTITY_POLICY } from '../../src/policy/identity.policy';

function caller(roles: string[], over: Partial<AuthContext> = {}): AuthContext {
  return {
    token: 't',
    userId: 'u1',
    userName: 'user',
    userDomainId: 'default',
    userDomainName: 'Default',
    projectId: 'p1',
    projectName: 'demo',
    projectDomainId: 'default',
    roles: expandRoles(roles),
    expiresAt: new Date(Date.now() + 3_600_000),
    auditIds: ['a'],
    ...over,
  };
}

const ADMIN_ONLY = [
  'identity:list_domains',
  'identity:create_domain',
  'identity:update_domain',
  'identity:delete_domain',
  'identity:list_projects',
  'identity:create_project',
  'identity:update_project',
  'identity:delete_project',
  'identity:list_users',
  'identity:create_user',
  'identity:update_user',
  'identity:delete_user',
  'identity:list_groups',
  'identity:get_group',
  'identity:create_group',
  'identity:add_user_to_group',
  'identity:check_user_in_group',
  'identity:list_roles',
  'identity:get_role',
  'identity:create_role',
  'identity:delete_role',
  'identity:create_grant',
  'identity:check_grant',
  'identity:revoke_grant',
  'identity:list_grants',
  'identity:list_role_assignments',
  'identity:create_region',
  'identity:update_region',
  'identity:delete_region',
  'identity:list_services',
  'identity:create_service',
  'identity:list_endpoints',
  'identity:create_endpoint',
  'identity:delete_endpoint',
];

describe('identity policy', () => {
  const policy = new PolicyEnforcer(IDENTITY_POLICY);

  it.each(ADMIN_ONLY)('%s: admin (on any scope) yes, member and reader no', (action) => {
    expect(policy.check(action, caller(['admin']))).toBe(true);
    expect(policy.check(action, caller(['admin'], { projectId: undefined, system: true }))).toBe(true);
    expect(policy.check(action, caller(['member']))).toBe(false);
    expect(policy.check(action, caller(['reader']))).toBe(false);
  });

  it('lets a user see their own project, user, projects and groups, and nobody else’s', () => {
    const member = caller(['member']);
    expect(policy.check('identity:get_project', member, { project_id: 'p1' })).toBe(true);
    expect(policy.check('identity:get_project', member, { project_id: 'p2' })).toBe(false);
    for (const action of ['identity:get_user', 'identity:list_user_projects', 'identity:list_groups_for_user', 'identity:change_password']) {
      expect(policy.check(action, member, { user_id: 'u1' })).toBe(true);
      expect(policy.check(action, member, { user_id: 'u2' })).toBe(false);
    }
    expect(policy.check('identity:get_domain', member, { domain_id: 'default' })).toBe(true);
    expect(policy.check('identity:get_domain', member, { domain_id: 'other' })).toBe(false);
  });

  it('lets anyone read regions', () => {
    expect(policy.check('identity:list_regions', caller([]))).toBe(true);
    expect(policy.check('identity:get_region', caller(['reader']))).toBe(true);
  });

  it('keeps application credentials to their owner, admins may list, read and delete them', () => {
    const own = { user_id: 'u1' };
    const other = { user_id: 'u2' };
    expect(policy.check('identity:create_application_credential', caller(['reader']), own)).toBe(true);
    expect(policy.check('identity:create_application_credential', caller(['admin']), other)).toBe(false);
    for (const action of ['identity:list_application_credentials', 'identity:get_application_credential', 'identity:delete_application_credential']) {
      expect(policy.check(action, caller(['member']), own)).toBe(true);
      expect(policy.check(action, caller(['member']), other)).toBe(false);
      expect(policy.check(action, caller(['admin']), other)).toBe(true);
    }
  });

  it('denies with Keystone’s message, and denies actions it does not know', () => {
    expect(() => policy.enforce('identity:list_users', caller(['member']))).toThrow('You are not authorized to perform the requested action: identity:list_users.');
    expect(policy.check('identity:no_such_action', caller(['admin']))).toBe(false);
  });
});
