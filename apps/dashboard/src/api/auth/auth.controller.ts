import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthService, sessionView, SessionView } from '../../services/auth.service';
import { randomToken } from '../../services/session.store';
import { clearSessionCookie, cookieOptions, LOGIN_CSRF_COOKIE, requireLoginCsrf, requireSession, SESSION_COOKIE } from '../../session-http';
import { DASHBOARD_OPTIONS, DashboardOptions } from '../../tokens';
import { loginRequest, switchProjectRequest } from './auth.schema';

/** Before a login: no session, and the login form's CSRF token. */
export interface AnonymousView {
  authenticated: false;
  csrfToken: string;
}

/**
 * The session: who is logged in (GET /auth/session), log in (POST /auth/login), choose another
 * project (POST /auth/project), log out (POST /auth/logout, which revokes the tokens).
 */
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(DASHBOARD_OPTIONS) private readonly opts: DashboardOptions,
  ) {}

  @Get('session')
  session(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): SessionView | AnonymousView {
    reply.header('cache-control', 'no-store');
    const s = this.auth.sessions.get(request.cookies[SESSION_COOKIE]);
    if (s) return sessionView(s);
    if (request.cookies[SESSION_COOKIE]) clearSessionCookie(reply, this.opts.cookieSecure);
    const existing = request.cookies[LOGIN_CSRF_COOKIE];
    const csrfToken = existing && existing.length === 43 ? existing : randomToken();
    reply.setCookie(LOGIN_CSRF_COOKIE, csrfToken, cookieOptions(this.opts.cookieSecure));
    return { authenticated: false, csrfToken };
  }

  @Post('login')
  @HttpCode(201)
  async login(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown): Promise<SessionView> {
    reply.header('cache-control', 'no-store');
    requireLoginCsrf(request);
    const req = loginRequest.parse(body ?? {});
    const previous = this.auth.sessions.get(request.cookies[SESSION_COOKIE]);
    if (previous) this.auth.ended(this.auth.sessions.delete(previous.id)!);
    const s = await this.auth.login(req.domain, req.username, req.password, req.project_id);
    reply.setCookie(SESSION_COOKIE, s.id, cookieOptions(this.opts.cookieSecure));
    reply.clearCookie(LOGIN_CSRF_COOKIE, cookieOptions(this.opts.cookieSecure));
    return sessionView(s);
  }

  @Post('project')
  async switchProject(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown): Promise<SessionView> {
    reply.header('cache-control', 'no-store');
    const s = requireSession(this.auth.sessions, request);
    const req = switchProjectRequest.parse(body ?? {});
    return sessionView(await this.auth.switchProject(s, req.project_id));
  }

  @Post('logout')
  @HttpCode(204)
  async logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const s = requireSession(this.auth.sessions, request);
    clearSessionCookie(reply, this.opts.cookieSecure);
    await this.auth.logout(s);
  }
}
