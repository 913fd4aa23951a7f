import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IssuedToken, ProjectChoice } from '../clients/identity.client';

/** A logged-in browser: held only here, the browser has its id in an HttpOnly cookie. */
export interface Session {
  readonly id: string;
  /** The synchronizer token every state-changing request must send (x-csrf-token). */
  readonly csrfToken: string;
  /** The unscoped token from the password login, kept to scope to another project. */
  unscoped: IssuedToken;
  /** The project-scoped token the proxy uses. */
  scoped: IssuedToken;
  projects: ProjectChoice[];
  lastUsed: number;
}

/** 32 random bytes, base64url: a session id or a CSRF token. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares two secrets in constant time (false when either is missing or their lengths differ). */
export function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface SessionStoreOptions {
  idleTimeoutMs: number;
  maxSessions: number;
  now?: () => number;
}

/**
 * The sessions of one dashboard process, in memory (a restart logs everyone out; their tokens
 * expire at identity). A session ends when it is unused for `idleTimeoutMs`, when its scoped
 * token expires, at logout, or when `maxSessions` newer ones push it out (least recently used
 * first). `onEnd` is told of every session that ends other than by `delete` (to revoke its tokens).
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly now: () => number;

  constructor(
    private readonly opts: SessionStoreOptions,
    private readonly onEnd: (s: Session) => void = () => {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.sessions.size;
  }

  create(unscoped: IssuedToken, scoped: IssuedToken, projects: ProjectChoice[]): Session {
    const s: Session = { id: randomToken(), csrfToken: randomToken(), unscoped, scoped, projects, lastUsed: this.now() };
    this.sessions.set(s.id, s);
    while (this.sessions.size > this.opts.maxSessions) {
      const oldest = this.sessions.values().next().value as Session;
      this.sessions.delete(oldest.id);
      this.onEnd(oldest);
    }
    return s;
  }

  /** The live session with this id (marked used), or undefined; an expired one is ended. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    const now = this.now();
    if (!this.alive(s, now)) {
      this.sessions.delete(id);
      this.onEnd(s);
      return undefined;
    }
    s.lastUsed = now;
    // re-insert: the Map's order is the order of use
    this.sessions.delete(id);
    this.sessions.set(id, s);
    return s;
  }

  /** The live session with this id without marking it used (an open event stream does not keep a session alive). */
  peek(id: string): Session | undefined {
    const s = this.sessions.get(id);
    return s && this.alive(s, this.now()) ? s : undefined;
  }

  /** Ends a session (logout): its tokens are the caller's to revoke. */
  delete(id: string): Session | undefined {
    const s = this.sessions.get(id);
    this.sessions.delete(id);
    return s;
  }

  /** Ends every session that is idle or whose token expired; returns how many. */
  sweep(): number {
    const now = this.now();
    let ended = 0;
    for (const s of [...this.sessions.values()]) {
      if (this.alive(s, now)) continue;
      this.sessions.delete(s.id);
      this.onEnd(s);
      ended++;
    }
    return ended;
  }

  /** Every live session (the event stream's filter reads their scope). */
  list(): Session[] {
    return [...this.sessions.values()];
  }

  private alive(s: Session, now: number): boolean {
    return now - s.lastUsed < this.opts.idleTimeoutMs && s.scoped.expiresAt > now;
  }
}

