import { Injectable } from '@nestjs/common';
import { Forbidden } from '@kumo/common';
import { ADMIN, ADMIN_OR_OWNER, ADMIN_OR_PROJECT_READER, always, AuthContext, PolicyEnforcer, PolicyRules, Target } from '@kumo/auth';
import { SERVER_POLICIES } from './server-policies';
import { CONSOLE_POLICIES } from './console-policies';

/** Nova's default policies (nova/policies/*.py) for what Kumo's compute API serves. */
export const COMPUTE_POLICIES: PolicyRules = {
  'os_compute_api:os-flavor-manage:create': ADMIN,
  'os_compute_api:os-flavor-manage:delete': ADMIN,
  'os_compute_api:os-flavor-access': ADMIN,
  'os_compute_api:os-flavor-access:add_tenant_access': ADMIN,
  'os_compute_api:os-flavor-access:remove_tenant_access': ADMIN,
  'os_compute_api:os-flavor-extra-specs:index': ADMIN_OR_PROJECT_READER,
  'os_compute_api:os-flavor-extra-specs:show': ADMIN_OR_PROJECT_READER,
  'os_compute_api:os-flavor-extra-specs:create': ADMIN,
  'os_compute_api:os-flavor-extra-specs:update': ADMIN,
  'os_compute_api:os-flavor-extra-specs:delete': ADMIN,
  'os_compute_api:os-keypairs:index': ADMIN_OR_OWNER,
  'os_compute_api:os-keypairs:create': ADMIN_OR_OWNER,
  'os_compute_api:os-keypairs:show': ADMIN_OR_OWNER,
  'os_compute_api:os-keypairs:delete': ADMIN_OR_OWNER,
  'os_compute_api:limits': always,
  'os_compute_api:limits:other_project': ADMIN,
  'os_compute_api:os-quota-sets:show': ADMIN_OR_PROJECT_READER,
  'os_compute_api:os-quota-sets:detail': ADMIN_OR_PROJECT_READER,
  'os_compute_api:os-quota-sets:defaults': always,
  'os_compute_api:os-quota-sets:update': ADMIN,
  'os_compute_api:os-quota-sets:delete': ADMIN,
  ...SERVER_POLICIES,
  ...CONSOLE_POLICIES,
};

/** Nova's context.is_admin: the admin role (on any scope, docs/adr/0003-admin-role.md). */
export function isAdmin(auth: AuthContext): boolean {
  return auth.roles.includes('admin');
}

/** `context.can(action, target)`: a denial is Nova's 403 "Policy doesn't allow X to be performed." */
@Injectable()
export class ComputePolicy {
  constructor(private readonly enforcer: PolicyEnforcer) {}

  enforce(action: string, auth: AuthContext, target: Target = {}): void {
    if (!this.enforcer.check(action, auth, target)) throw new Forbidden(`Policy doesn't allow ${action} to be performed.`);
  }
}
