import { Forbidden } from '@kumo/common/core';
import type { AuthContext } from './auth-context';

/**
 * Policy rules as plain functions: (caller, target) → allowed. Composed with anyOf/allOf/not,
 * they express OpenStack's secure-RBAC defaults without a string language.
 */
export type Target = Record<string, unknown>;
export type Rule = (auth: AuthContext, target: Target) => boolean;

export const role =
  (name: string): Rule =>
  (auth) =>
    auth.roles.includes(name);
export const systemScope: Rule = (auth) => auth.system === true;
export const projectScope: Rule = (auth) => auth.projectId !== undefined;
export const domainScope: Rule = (auth) => auth.domainId !== undefined;
/** The target belongs to the caller's project (`target.project_id`). */
export const ownProject: Rule = (auth, target) => auth.projectId !== undefined && target.project_id === auth.projectId;
/** The target is (or belongs to) the calling user (`target.user_id`). */
export const ownUser: Rule = (auth, target) => target.user_id === auth.userId;
export const always: Rule = () => true;
export const never: Rule = () => false;

export const anyOf =
  (...rules: Rule[]): Rule =>
  (auth, target) =>
    rules.some((r) => r(auth, target));
export const allOf =
  (...rules: Rule[]): Rule =>
  (auth, target) =>
    rules.every((r) => r(auth, target));
export const not =
  (rule: Rule): Rule =>
  (auth, target) =>
    !rule(auth, target);

/** `admin` on any scope administers the cloud (docs/adr/0003-admin-role.md). */
export const ADMIN = role('admin');
export const SYSTEM_READER = allOf(systemScope, role('reader'));
export const PROJECT_READER = allOf(role('reader'), ownProject);
export const PROJECT_MEMBER = allOf(role('member'), ownProject);
export const ADMIN_OR_PROJECT_READER = anyOf(ADMIN, PROJECT_READER);
export const ADMIN_OR_PROJECT_MEMBER = anyOf(ADMIN, PROJECT_MEMBER);
export const ADMIN_OR_OWNER = anyOf(ADMIN, ownUser);

export type PolicyRules = Readonly<Record<string, Rule>>;

/** Enforces a service's rule set; an action without a rule is denied. */
export class PolicyEnforcer {
  constructor(
    private readonly rules: PolicyRules,
    private readonly onUnknown: (action: string) => void = () => undefined,
  ) {}

  check(action: string, auth: AuthContext, target: Target = {}): boolean {
    const rule = this.rules[action];
    if (!rule) {
      this.onUnknown(action);
      return false;
    }
    return rule(auth, target);
  }

  /** Throws Forbidden with OpenStack's message when the rule denies. */
  enforce(action: string, auth: AuthContext, target: Target = {}): void {
    if (!this.check(action, auth, target)) {
      throw new Forbidden(`You are not authorized to perform the requested action: ${action}.`);
    }
  }
}
