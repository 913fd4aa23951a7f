import { Logger } from '@nestjs/common';
import { Forbidden } from '@kumo/common';
import type { AuthContext } from '../auth-context';
import type { PolicyRules, Rule, Target } from './rules';

/** Where the enforcer reports unknown actions and failing rules; Nest's Logger and pino both fit. */
export interface PolicyLogger {
  warn(message: string): void;
  error(message: string): void;
}

export interface PolicyEnforcerOptions {
  logger?: PolicyLogger;
  /**
   * The Forbidden message for a denied action. Default: Keystone's
   * `You are not authorized to perform the requested action: <action>.`; nova and cinder say
   * `Policy doesn't allow <action> to be performed.`
   */
  message?: (action: string) => string;
}

/** Keystone's denial message. */
export function notAuthorizedMessage(action: string): string {
  return `You are not authorized to perform the requested action: ${action}.`;
}

/**
 * Enforces a service's policy: each action (e.g. `identity:list_users`) has one rule. An action
 * without a rule is denied and logged, so a forgotten rule fails closed. A rule that throws (a
 * target getter reading a missing field) denies too, and is logged as an error.
 */
export class PolicyEnforcer {
  private readonly rules = new Map<string, Rule>();
  private readonly logger: PolicyLogger;
  private readonly message: (action: string) => string;

  /** @param rules one rule set, or several (e.g. shared defaults and the service's own); no action twice. */
  constructor(rules: PolicyRules | readonly PolicyRules[] = {}, opts: PolicyEnforcerOptions = {}) {
    this.logger = opts.logger ?? new Logger('PolicyEnforcer');
    this.message = opts.message ?? notAuthorizedMessage;
    for (const set of Array.isArray(rules) ? rules : [rules as PolicyRules]) this.register(set);
  }

  /**
   * Adds a rule set. Throws when an action already has a rule: two modules claiming one action
   * is a bug, not something to resolve by load order.
   */
  register(rules: PolicyRules): void {
    for (const [action, rule] of Object.entries(rules)) {
      if (this.rules.has(action)) throw new Error(`policy: a rule for ${action} is already registered`);
      if (typeof rule !== 'function') throw new Error(`policy: the rule for ${action} is not a function`);
      this.rules.set(action, rule);
    }
  }

  /** Whether the action has a rule. */
  has(action: string): boolean {
    return this.rules.has(action);
  }

  /** The registered action names, sorted. */
  actions(): string[] {
    return [...this.rules.keys()].sort();
  }

  /** Whether the caller may perform the action on the target (default `{}`). Never throws. */
  check(action: string, auth: AuthContext, target: Target = {}): boolean {
    const rule = this.rules.get(action);
    if (!rule) {
      this.logger.warn(`policy: no rule for ${action}; denied`);
      return false;
    }
    try {
      return rule(auth, target) === true;
    } catch (err) {
      this.logger.error(`policy: the rule for ${action} failed (${(err as Error).message}); denied`);
      return false;
    }
  }

  /** Returns when the caller may perform the action; throws Forbidden (403) otherwise. */
  enforce(action: string, auth: AuthContext, target: Target = {}): void {
    if (!this.check(action, auth, target)) throw new Forbidden(this.message(action));
  }
}
