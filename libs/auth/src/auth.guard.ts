import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { extendContext, IS_PUBLIC_KEY, Unauthorized } from '@kumo/common';
import type { AuthContext } from './auth-context';
import { TokenValidator } from './token-validator';

/** DI token: identity's public URL, announced in `WWW-Authenticate: Keystone uri="..."` on 401s. */
export const IDENTITY_URI = Symbol('IDENTITY_URI');

/** The 401 every guard raises; the fault filter turns `details.wwwAuthenticate` into the header. */
export function authRequired(identityUri?: string): Unauthorized {
  return new Unauthorized(
    'The request you have made requires authentication.',
    identityUri ? { wwwAuthenticate: `Keystone uri="${identityUri}"` } : undefined,
  );
}

interface RequestWithAuth {
  headers: Record<string, string | string[] | undefined>;
  auth?: AuthContext;
}

/**
 * The guard of every Kumo API: `X-Auth-Token` validated through the TokenValidator (cached),
 * the AuthContext attached to the request and the request context. Routes marked @Public() pass.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly validator: TokenValidator,
    @Optional() @Inject(IDENTITY_URI) private readonly identityUri?: string,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]);
    const request = context.switchToHttp().getRequest<RequestWithAuth>();
    const raw = request.headers['x-auth-token'];
    const token = Array.isArray(raw) ? raw[0] : raw;
    if (isPublic) return true;
    if (!token) throw authRequired(this.identityUri);
    let auth: AuthContext;
    try {
      auth = await this.validator.validate(token);
    } catch (err) {
      if (err instanceof Unauthorized) throw authRequired(this.identityUri);
      throw err;
    }
    request.auth = auth;
    extendContext({
      userId: auth.userId,
      userName: auth.userName,
      userDomainId: auth.userDomainId,
      projectId: auth.projectId,
      projectName: auth.projectName,
      projectDomainId: auth.projectDomainId,
      domainId: auth.domainId,
      system: auth.system,
      roles: auth.roles,
      authToken: auth.token,
    });
    return true;
  }
}

/** The caller's AuthContext (routes behind the AuthGuard). */
export const Auth = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthContext => {
  const auth = ctx.switchToHttp().getRequest<RequestWithAuth>().auth;
  if (!auth) throw new Unauthorized('The request you have made requires authentication.');
  return auth;
});
