import { Unauthorized } from '@kumo/common/core';
import type { AuthContext } from './auth-context';
import { TokenValidator } from './token-validator';

/** Who a test token stands for; what is left out gets a default from the token (`u-<token>`, …). */
export interface FakeCaller {
  userId?: string;
  userName?: string;
  projectId?: string;
  projectName?: string;
  domainId?: string;
  system?: boolean;
  roles: string[];
  auditIds?: string[];
}

export interface FakeTokenValidatorOptions {
  /** The clock of `expiresAt` (default Date.now). */
  now?: () => number;
  /** How long a validated token lives (default one hour). */
  ttlMs?: number;
}

/** The AuthContext a validated token of `caller` has. */
export function fakeAuthContext(token: string, caller: FakeCaller, expiresAt: Date): AuthContext {
  return {
    token,
    userId: caller.userId ?? `u-${token}`,
    userName: caller.userName ?? token,
    userDomainId: 'default',
    userDomainName: 'Default',
    ...(caller.projectId !== undefined ? { projectId: caller.projectId, projectName: caller.projectName ?? caller.projectId, projectDomainId: 'default' } : {}),
    ...(caller.domainId !== undefined ? { domainId: caller.domainId } : {}),
    ...(caller.system ? { system: true } : {}),
    roles: caller.roles,
    expiresAt,
    auditIds: caller.auditIds ?? [`audit-${token}`],
  };
}

/**
 * A token validator for tests (of libs/auth and of every service; `@kumo/testing` hands it out),
 * without identity. It lives beside the TokenValidator it stands in for, as libs/messaging's
 * in-memory broker does, so that libs/auth's own tests need no libs/testing (which depends on
 * libs/auth). A token is valid when `callers` knows it (a map of token → caller, or a function),
 * otherwise Unauthorized as Keystone's middleware answers. Counts its validations in `calls`.
 */
export class FakeTokenValidator extends TokenValidator {
  calls = 0;
  private readonly lookup: (token: string) => FakeCaller | undefined;

  constructor(
    callers: Record<string, FakeCaller> | ((token: string) => FakeCaller | undefined),
    private readonly opts: FakeTokenValidatorOptions = {},
  ) {
    super();
    this.lookup = typeof callers === 'function' ? callers : (t) => (Object.hasOwn(callers, t) ? callers[t] : undefined);
  }

  async validate(token: string): Promise<AuthContext> {
    this.calls++;
    const caller = this.lookup(token);
    if (!caller) throw new Unauthorized('The request you have made requires authentication.');
    return fakeAuthContext(token, caller, new Date((this.opts.now ?? Date.now)() + (this.opts.ttlMs ?? 3_600_000)));
  }
}
