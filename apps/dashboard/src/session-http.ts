import { Forbidden, Unauthorized } from '@kumo/common';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sameSecret, Session, SessionStore } from './services/session.store';

/** The session cookie: the session's id, nothing else (the tokens stay on the server). */
export const SESSION_COOKIE = 'kumo_session';
/** Before a login: the double-submit CSRF token of the login form (cookie and x-csrf-token header). */
export const LOGIN_CSRF_COOKIE = 'kumo_login_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** Methods that change nothing: they need a session but no CSRF token. */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
export function isSafeMethod(method: string): boolean {
  return SAFE.has(method.toUpperCase());
}

/** HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), the whole origin. */
export function cookieOptions(secure: boolean, maxAgeSeconds?: number): CookieSerializeOptions {
  return { httpOnly: true, sameSite: 'strict', secure, path: '/', ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The request's live session, or Unauthorized. A state-changing method (anything but GET, HEAD,
 * OPTIONS) must also carry the session's CSRF token in x-csrf-token, else Forbidden.
 */
export function requireSession(store: SessionStore, request: FastifyRequest): Session {
  const s = store.get(request.cookies?.[SESSION_COOKIE]);
  if (!s) throw new Unauthorized('You are not logged in, or your session has ended: log in again.');
  if (!isSafeMethod(request.method) && !sameSecret(header(request, CSRF_HEADER), s.csrfToken)) {
    throw new Forbidden(`The request has no valid CSRF token: send the session's csrfToken (GET /auth/session) in the ${CSRF_HEADER} header.`);
  }
  return s;
}

/** The login form's double-submit check: the x-csrf-token header equals the login cookie. */
export function requireLoginCsrf(request: FastifyRequest): void {
  if (!sameSecret(header(request, CSRF_HEADER), request.cookies?.[LOGIN_CSRF_COOKIE])) {
    throw new Forbidden(`The login has no valid CSRF token: read csrfToken from GET /auth/session and send it in the ${CSRF_HEADER} header.`);
  }
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(secure));
}
