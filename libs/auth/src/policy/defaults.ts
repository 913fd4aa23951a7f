import { allOf, always, anyOf, ownDomain, ownProject, ownUser, role, Rule, systemScope } from './rules';

/*
 * OpenStack's secure-RBAC base rules (nova/cinder/neutron `policies/base.py`, keystone's
 * `base.py`), as building blocks for each service's rule set. The project rules read the target's
 * `project_id`; for another field compose your own: `allOf(role('member'), ownProject('tenant_id'))`.
 */

/** `admin` on any scope: cloud administrator ("admin is admin everywhere", docs/adr/0003-admin-role.md). */
export const ADMIN: Rule = role('admin');

/** admin on a system-scoped token. */
export const SYSTEM_ADMIN: Rule = allOf(systemScope, role('admin'));
/** member (or admin) on a system-scoped token. */
export const SYSTEM_MEMBER: Rule = allOf(systemScope, role('member'));
/** reader (or more) on a system-scoped token. */
export const SYSTEM_READER: Rule = allOf(systemScope, role('reader'));

/** admin of the target's project, scoped to it. */
export const PROJECT_ADMIN: Rule = allOf(role('admin'), ownProject);
/** member (or admin) of the target's project, scoped to it. */
export const PROJECT_MEMBER: Rule = allOf(role('member'), ownProject);
/** reader (or more) of the target's project, scoped to it. */
export const PROJECT_READER: Rule = allOf(role('reader'), ownProject);

/** admin on a token scoped to the target's domain (target.domain_id). */
export const DOMAIN_ADMIN: Rule = allOf(role('admin'), ownDomain);
/** reader (or more) on a token scoped to the target's domain (target.domain_id). */
export const DOMAIN_READER: Rule = allOf(role('reader'), ownDomain);

/** Cloud admin, or a reader of the target's project: the default for show/list of project resources. */
export const ADMIN_OR_PROJECT_READER: Rule = anyOf(ADMIN, PROJECT_READER);
/** Cloud admin, or a member of the target's project: the default for create/update/delete. */
export const ADMIN_OR_PROJECT_MEMBER: Rule = anyOf(ADMIN, PROJECT_MEMBER);
/** Cloud admin, or any role on the target's project (nova's legacy `admin_or_owner`). */
export const ADMIN_OR_OWNER: Rule = anyOf(ADMIN, ownProject);
/** Cloud admin, or the target's user itself (keystone's `admin_or_owner`: target.user_id). */
export const ADMIN_OR_USER: Rule = anyOf(ADMIN, ownUser);
/** Anyone with a valid token. */
export const AUTHENTICATED: Rule = always;
