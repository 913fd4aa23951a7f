import {
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Inject,
  Injectable,
  Optional,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { extendContext, IS_PUBLIC_KEY, Unauthorized } from '@kumo/common';
import type { AuthContext } from './auth-context';
import { AUTH_REQUIRED_MESSAGE, TokenValidator } from './token-validator';

export { IS_PUBLIC_KEY, Public } from '@kumo/common';

/** DI token: identity's public URL (`http://H:5000`), announced on every 401. */
export const IDENTITY_URI = Symbol('IDENTITY_URI');

/** The `WWW-Authenticate` value of a 401, keystonemiddleware style (API-SURFACE.md §0.3). */
export function wwwAuthenticate(identityUri: string): string {
  return `Keystone uri="${identityUri}"`;
}

/**
 * The 401 for a missing or refused token. It carries `details.wwwAuthenticate`, which the fault
 * filter of @kumo/common (renderFault) sends as the `WWW-Authenticate` header of the 401.
 */
export function authRequired(identityUri?: string): Unauthorized {
  return new Unauthorized(
    AUTH_REQUIRED_MESSAGE,
    identityUri ? { wwwAuthenticate: wwwAuthenticate(identityUri) } : undefined,
  );
}

/** The request as the guard leaves it: `auth` is set on every route that is not @Public(). */
export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  auth?: AuthContext;
}

/** The caller's token from `X-Auth-Token` (header names are case-insensitive; Node lowercases them). */
export function tokenFromHeaders(headers: AuthenticatedRequest['headers']): string | undefined {
  const raw = headers['x-auth-token'];
  const token = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return token ? token : undefined;
}

/**
 * The guard of every Kumo API (install it with `APP_GUARD`, as AuthModule does): validates
 * `X-Auth-Token` through the TokenValidator, sets `request.auth` and extends the RequestContext
 * (user, project, domain, system, roles, authToken). Routes or controllers marked `@Public()` pass
 * without a token, and their token, if any, is not looked at.
 *
 * Missing or refused token → Unauthorized with `details.wwwAuthenticate`; a validator failure
 * other than Unauthorized (ServiceUnavailable when identity is down) passes through unchanged.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly validator: TokenValidator,
    @Optional() @Inject(IDENTITY_URI) private readonly identityUri?: string,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    // Kumo's APIs are HTTP; any other transport must authenticate its own way
    if (context.getType() !== 'http') return false;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = tokenFromHeaders(request.headers);
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

/**
 * Parameter decorator: the caller's AuthContext. Only for routes behind the AuthGuard; on a
 * @Public() route there is none and it throws Unauthorized.
 */
export const Auth = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthContext => {
  const auth = ctx.switchToHttp().getRequest<AuthenticatedRequest>().auth;
  if (!auth) throw new Unauthorized(AUTH_REQUIRED_MESSAGE);
  return auth;
});
