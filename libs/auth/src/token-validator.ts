import { Unauthorized } from '@kumo/common';
import { AuthContext, authContextFromTokenBody, AuthContextOptions } from './auth-context';

/** Keystone's (and keystonemiddleware's) message for every missing, invalid, expired or revoked token. */
export const AUTH_REQUIRED_MESSAGE = 'The request you have made requires authentication.';

/** The Unauthorized a validator throws for a token that is not (or no longer) valid. */
export function invalidToken(): Unauthorized {
  return new Unauthorized(AUTH_REQUIRED_MESSAGE);
}

/**
 * Validates a caller's token. Abstract class, so it doubles as the Nest DI token.
 *
 * Implementations: {@link KeystoneTokenValidator} (asks identity over HTTP),
 * {@link CachingTokenValidator} (a cache in front of another validator), and identity's own
 * in-process validator (a subclass of this class or of {@link TokenBodyValidator}).
 */
export abstract class TokenValidator {
  /**
   * Resolves to the caller's context.
   * @throws Unauthorized when the token is invalid, expired or revoked.
   * @throws ServiceUnavailable when validity cannot be established (identity unreachable or failing).
   */
  abstract validate(token: string): Promise<AuthContext>;
}

export interface TokenBodyValidatorOptions extends AuthContextOptions {
  /** Clock in ms since the epoch (tests inject one). */
  now?: () => number;
}

/**
 * A validator that finds a token's Keystone v3 body somewhere (identity over HTTP, or identity's
 * own token service in-process) and turns it into an AuthContext. A subclass implements one method:
 *
 * ```ts
 * class LocalTokenValidator extends TokenBodyValidator {
 *   constructor(private readonly tokens: TokenService) { super(); }
 *   protected async fetchTokenBody(token: string) {
 *     return (await this.tokens.find(token)) ?? undefined;   // { token: {...} } or undefined
 *   }
 * }
 * ```
 *
 * The base parses the body (roles expanded) and rejects an expired token, so every validator
 * agrees on what a valid token is.
 */
export abstract class TokenBodyValidator extends TokenValidator {
  protected readonly now: () => number;
  private readonly contextOptions: AuthContextOptions;

  constructor(opts: TokenBodyValidatorOptions = {}) {
    super();
    this.now = opts.now ?? Date.now;
    this.contextOptions = { serviceRoles: opts.serviceRoles };
  }

  /**
   * The token's body (`{"token": {...}}`), or undefined when the token is unknown, invalid or
   * revoked. Throws (e.g. ServiceUnavailable) only when validity cannot be established.
   */
  protected abstract fetchTokenBody(token: string): Promise<unknown>;

  async validate(token: string): Promise<AuthContext> {
    const body = await this.fetchTokenBody(token);
    if (body === undefined || body === null) throw invalidToken();
    const auth = this.toContext(token, body);
    if (auth.expiresAt.getTime() <= this.now()) throw invalidToken();
    return auth;
  }

  /** Builds the context; a subclass may override it to map a failure to its own error. */
  protected toContext(token: string, body: unknown): AuthContext {
    return authContextFromTokenBody(token, body, this.contextOptions);
  }
}
