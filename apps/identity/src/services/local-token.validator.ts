import { Injectable } from '@nestjs/common';
import { Unauthorized } from '@kumo/common';
import { AuthContext, TokenValidator } from '@kumo/auth';
import { TokenNotFound, TokenProvider, TokenView } from './token-provider';

/** Identity validates the tokens of its own API in-process: no HTTP round trip to itself. */
@Injectable()
export class LocalTokenValidator extends TokenValidator {
  /** The resolved token behind each caller context this validator made (for the request's lifetime). */
  private readonly resolved = new WeakMap<AuthContext, TokenView>();

  constructor(private readonly tokens: TokenProvider) {
    super();
  }

  async validate(token: string): Promise<AuthContext> {
    try {
      const view = await this.tokens.validate(token);
      const ctx = toAuthContext(view);
      this.resolved.set(ctx, view);
      return ctx;
    } catch (err) {
      if (err instanceof TokenNotFound) throw new Unauthorized('The request you have made requires authentication.');
      throw err;
    }
  }

  /** The token `caller` was made from, as resolved when the request was authenticated (none for a context made elsewhere). */
  resolvedToken(caller: AuthContext): TokenView | undefined {
    return this.resolved.get(caller);
  }
}

export function toAuthContext(view: TokenView): AuthContext {
  return {
    token: view.token,
    userId: view.user.id,
    userName: view.user.name,
    userDomainId: view.userDomain.id,
    userDomainName: view.userDomain.name,
    projectId: view.project?.id,
    projectName: view.project?.name,
    projectDomainId: view.projectDomain?.id,
    domainId: view.domain?.id,
    domainName: view.domain?.name,
    system: view.system,
    roles: view.roles.map((r) => r.name),
    expiresAt: new Date(view.payload.expiresAt),
    auditIds: view.payload.auditIds,
    applicationCredentialId: view.applicationCredential?.id,
  };
}
