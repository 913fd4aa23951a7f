import type { IssuedToken } from '../../src/clients/identity.client';
import { sameSecret, Session, SessionStore } from '../../src/services/session.store';
import { isSafeMethod, requireLoginCsrf, requireSession, SESSION_COOKIE, LOGIN_CSRF_COOKIE } from '../../src/session-http';
import type { FastifyRequest } from 'fastify';

const token = (id: string, expiresAt: number): IssuedToken => ({
  id,
  expiresAt,
  user: { id: 'u', name: 'alice', domain: { id: 'default', name: 'Default' } },
  project: { id: 'p', name: 'demo', domain: { id: 'default', name: 'Default' } },
  roles: ['member'],
  catalog: [],
});

function store(now: { t: number }, max = 10, ended: Session[] = []) {
  return new SessionStore({ idleTimeoutMs: 1000, maxSessions: max, now: () => now.t }, (s) => ended.push(s));
}

describe('SessionStore', () => {
  it('ends a session that is idle, and one whose token expired', () => {
    const now = { t: 0 };
    const ended: Session[] = [];
    const s = store(now, 10, ended);
    const a = s.create(token('u1', 10_000), token('s1', 10_000), []);
    now.t = 900;
    expect(s.get(a.id)).toBe(a);
    now.t = 1800; // used at 900: still within the idle timeout
    expect(s.get(a.id)).toBe(a);
    now.t = 2900;
    expect(s.get(a.id)).toBeUndefined();
    const b = s.create(token('u2', 3000), token('s2', 3000), []);
    now.t = 3000;
    expect(s.peek(b.id)).toBeUndefined();
    expect(s.sweep()).toBe(1);
    expect(ended.map((x) => x.scoped.id)).toEqual(['s1', 's2']);
  });

  it('peek does not keep a session alive', () => {
    const now = { t: 0 };
    const s = store(now);
    const a = s.create(token('u', 1e9), token('s', 1e9), []);
    now.t = 600;
    expect(s.peek(a.id)).toBe(a);
    now.t = 1100;
    expect(s.get(a.id)).toBeUndefined();
  });

  it('pushes out the least recently used session past the limit', () => {
    const now = { t: 0 };
    const ended: Session[] = [];
    const s = store(now, 2, ended);
    const a = s.create(token('u', 1e9), token('a', 1e9), []);
    const b = s.create(token('u', 1e9), token('b', 1e9), []);
    s.get(a.id);
    s.create(token('u', 1e9), token('c', 1e9), []);
    expect(ended.map((x) => x.scoped.id)).toEqual(['b']);
    expect(s.get(b.id)).toBeUndefined();
    expect(s.get(a.id)).toBe(a);
    expect(s.size).toBe(2);
  });

  it('makes distinct unguessable ids and CSRF tokens', () => {
    const s = store({ t: 0 });
    const a = s.create(token('u', 1e9), token('a', 1e9), []);
    const b = s.create(token('u', 1e9), token('b', 1e9), []);
    expect(new Set([a.id, b.id, a.csrfToken, b.csrfToken]).size).toBe(4);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('CSRF checks', () => {
  const req = (method: string, cookies: Record<string, string>, headers: Record<string, string> = {}) => ({ method, cookies, headers }) as unknown as FastifyRequest;

  it('compares secrets exactly', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret(undefined, undefined)).toBe(false);
    expect(sameSecret('', '')).toBe(false);
  });

  it('a session is needed for any method, its CSRF token for a state-changing one', () => {
    const s = store({ t: 0 });
    const a = s.create(token('u', 1e9), token('a', 1e9), []);
    expect(() => requireSession(s, req('GET', {}))).toThrow(/not logged in/);
    expect(requireSession(s, req('GET', { [SESSION_COOKIE]: a.id }))).toBe(a);
    expect(() => requireSession(s, req('POST', { [SESSION_COOKIE]: a.id }))).toThrow(/CSRF/);
    expect(() => requireSession(s, req('DELETE', { [SESSION_COOKIE]: a.id }, { 'x-csrf-token': 'wrong' }))).toThrow(/CSRF/);
    expect(requireSession(s, req('DELETE', { [SESSION_COOKIE]: a.id }, { 'x-csrf-token': a.csrfToken }))).toBe(a);
    expect(['GET', 'head', 'OPTIONS'].every(isSafeMethod)).toBe(true);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].some(isSafeMethod)).toBe(false);
  });

  it('the login needs the header to repeat its cookie', () => {
    expect(() => requireLoginCsrf(req('POST', {}, { 'x-csrf-token': 'x' }))).toThrow(/CSRF/);
    expect(() => requireLoginCsrf(req('POST', { [LOGIN_CSRF_COOKIE]: 'x' }))).toThrow(/CSRF/);
    expect(() => requireLoginCsrf(req('POST', { [LOGIN_CSRF_COOKIE]: 'x' }, { 'x-csrf-token': 'x' }))).not.toThrow();
  });
});
