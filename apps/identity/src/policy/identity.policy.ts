import { ADMIN, anyOf, always, ownUser, PolicyRules, role } from '@kumo/auth';

/**
 * Identity's policy (Keystone's action names). `admin` on any scope is cloud admin
 * (docs/adr/0003-admin-role.md); users manage their own tokens, password and credentials.
 */
export const IDENTITY_POLICY: PolicyRules = {
  'identity:validate_token': anyOf(ADMIN, role('service'), ownUser),
  'identity:check_token': anyOf(ADMIN, role('service'), ownUser),
  'identity:revoke_token': anyOf(ADMIN, ownUser),
  'identity:get_auth_catalog': always,
  'identity:get_auth_projects': always,
  'identity:get_auth_domains': always,
  'identity:get_auth_system': always,
};
