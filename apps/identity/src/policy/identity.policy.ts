import { ADMIN, anyOf, always, ownProject, ownUser, PolicyRules, role } from '@kumo/auth';

const adminOnly = (actions: string[]): PolicyRules => Object.fromEntries(actions.map((a) => [`identity:${a}`, ADMIN]));
const crud = (resource: string, plural = `${resource}s`): string[] => [
  `create_${resource}`,
  `get_${resource}`,
  `list_${plural}`,
  `update_${resource}`,
  `delete_${resource}`,
];

/**
 * Identity's policy, with Keystone's action names. `admin` on any scope is cloud admin
 * (docs/adr/0003-admin-role.md); users see their own project and user, manage their own tokens,
 * password and application credentials; everything else is admin-only.
 */
export const IDENTITY_POLICY: PolicyRules = {
  ...adminOnly([
    ...crud('domain'),
    ...crud('project'),
    ...crud('user'),
    ...crud('group'),
    ...crud('role'),
    ...crud('region'),
    ...crud('service'),
    ...crud('endpoint'),
    'add_user_to_group',
    'remove_user_from_group',
    'check_user_in_group',
    'list_users_in_group',
    'create_grant',
    'check_grant',
    'revoke_grant',
    'list_grants',
    'list_role_assignments',
    ...crud('domain_role'),
    'list_implied_roles',
    'get_implied_role',
    'check_implied_role',
    'create_implied_role',
    'delete_implied_role',
    'list_role_inference_rules',
  ]),
  'identity:get_project': anyOf(ADMIN, ownProject),
  'identity:get_domain': anyOf(ADMIN, (auth, target) => target.domain_id === auth.domainId || target.domain_id === auth.projectDomainId),
  'identity:get_user': anyOf(ADMIN, ownUser),
  'identity:list_user_projects': anyOf(ADMIN, ownUser),
  'identity:list_groups_for_user': anyOf(ADMIN, ownUser),
  'identity:change_password': ownUser,
  'identity:get_region': always,
  'identity:list_regions': always,
  'identity:create_application_credential': ownUser,
  'identity:get_application_credential': anyOf(ADMIN, ownUser),
  'identity:list_application_credentials': anyOf(ADMIN, ownUser),
  'identity:delete_application_credential': anyOf(ADMIN, ownUser),
  'identity:validate_token': anyOf(ADMIN, role('service'), ownUser),
  'identity:check_token': anyOf(ADMIN, role('service'), ownUser),
  'identity:revoke_token': anyOf(ADMIN, ownUser),
};
