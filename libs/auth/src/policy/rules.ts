import type { AuthContext } from '../auth-context';
import { effectiveRoles } from '../roles';

/**
 * The policy DSL: a rule is a pure function of the caller and the target, composed with
 * {@link anyOf}, {@link allOf} and {@link not} instead of oslo.policy's string language.
 *
 * ```ts
 * const rules: PolicyRules = {
 *   'compute:servers:show': anyOf(ADMIN, PROJECT_READER),
 *   'compute:servers:delete': anyOf(ADMIN, allOf(role('member'), ownProject('tenant_id'))),
 * };
 * ```
 */
export type Rule = (auth: AuthContext, target: Target) => boolean;

/** What an action is applied to, in OpenStack's field names (`project_id`, `user_id`, `domain_id`). */
export type Target = Readonly<Record<string, unknown>>;

/** Reads the owning id out of a target. */
export type TargetGetter = (target: Target) => unknown;

/**
 * A rule that compares one of the caller's ids with one field of the target. Used bare it reads
 * its default field; called with a field name or a getter it makes a rule reading that instead:
 * `ownProject` (target.project_id), `ownProject('tenant_id')`, `ownProject((t) => t.server.project_id)`.
 */
export interface OwnershipRule {
  (auth: AuthContext, target: Target): boolean;
  (field: string | TargetGetter): Rule;
}

function ownership(callerId: (auth: AuthContext) => string | undefined, defaultField: string): OwnershipRule {
  const by =
    (getter: TargetGetter): Rule =>
    (auth, target) => {
      const mine = callerId(auth);
      return mine !== undefined && getter(target) === mine;
    };
  const byDefault = by((t) => t[defaultField]);
  function rule(auth: AuthContext, target: Target): boolean;
  function rule(field: string | TargetGetter): Rule;
  function rule(a: AuthContext | string | TargetGetter, target?: Target): boolean | Rule {
    if (typeof a === 'string') return by((t) => t[a]);
    if (typeof a === 'function') return by(a);
    return byDefault(a, target ?? {});
  }
  return rule;
}

/** The caller holds the role, directly or implied (admin ⇒ member ⇒ reader), on its current scope. */
export function role(name: string): Rule {
  return (auth) => effectiveRoles(auth.roles).has(name);
}

/** The caller's token is system-scoped. */
export const systemScope: Rule = (auth) => auth.system === true;
/** The caller's token is project-scoped. */
export const projectScope: Rule = (auth) => auth.projectId !== undefined;
/** The caller's token is domain-scoped. */
export const domainScope: Rule = (auth) => auth.domainId !== undefined;

/** The target belongs to the caller's project (default field `project_id`); false without a project scope. */
export const ownProject: OwnershipRule = ownership((auth) => auth.projectId, 'project_id');
/** The target is, or belongs to, the calling user (default field `user_id`). */
export const ownUser: OwnershipRule = ownership((auth) => auth.userId, 'user_id');
/** The target is in the caller's domain scope (default field `domain_id`); false without a domain scope. */
export const ownDomain: OwnershipRule = ownership((auth) => auth.domainId, 'domain_id');

/** Allows everyone with a valid token. */
export const always: Rule = () => true;
/** Allows nobody (an action that exists but is disabled). */
export const never: Rule = () => false;

/** Allows when at least one rule allows (oslo's `or`); `anyOf()` allows nobody. */
export function anyOf(...rules: Rule[]): Rule {
  return (auth, target) => rules.some((r) => r(auth, target));
}

/** Allows when every rule allows (oslo's `and`); `allOf()` allows everyone. */
export function allOf(...rules: Rule[]): Rule {
  return (auth, target) => rules.every((r) => r(auth, target));
}

/** Allows when the rule denies. */
export function not(rule: Rule): Rule {
  return (auth, target) => !rule(auth, target);
}

/** A service's rule set: action name (e.g. `identity:list_users`) → rule. */
export type PolicyRules = Readonly<Record<string, Rule>>;
