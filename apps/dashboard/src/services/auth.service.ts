import { BadRequest, Forbidden, Logger, NotFound } from '@kumo/common';
import { IdentityClient, IssuedToken, ProjectChoice } from '../clients/identity.client';
import { Session, SessionStore } from './session.store';

/** What the app knows of its session (GET /auth/session, and the answer of a login). */
export interface SessionView {
  authenticated: true;
  user: { id: string; name: string; domain: { id: string; name: string } };
  project: { id: string; name: string; domain: { id: string; name: string } };
  roles: string[];
  /** Holds the admin role on its project: sees every project's events and resources. */
  admin: boolean;
  projects: ProjectChoice[];
  /** The service types the proxy reaches (`/api/<type>/...`), from the token's catalog. */
  services: string[];
  expiresAt: string;
  csrfToken: string;
}

export function isAdmin(token: IssuedToken): boolean {
  return token.roles.includes('admin');
}

export function sessionView(s: Session): SessionView {
  const t = s.scoped;
  return {
    authenticated: true,
    user: t.user,
    project: t.project!,
    roles: [...t.roles].sort(),
    admin: isAdmin(t),
    projects: s.projects,
    services: [...new Set(t.catalog.map((c) => c.type).filter((x): x is string => !!x))].sort(),
    expiresAt: new Date(t.expiresAt).toISOString(),
    csrfToken: s.csrfToken,
  };
}

/**
 * Logging in, switching projects and logging out, against identity: a password login without
 * scope, then a project-scoped token made from it (the project asked, else the first enabled
 * one by name); logout and a project switch revoke the tokens they drop.
 */
export class AuthService {
  constructor(
    private readonly identity: IdentityClient,
    readonly sessions: SessionStore,
    private readonly log: Logger,
  ) {}

  async login(domain: string, username: string, password: string, projectId?: string): Promise<Session> {
    const unscoped = await this.identity.passwordLogin(domain, username, password);
    try {
      const projects = (await this.identity.projects(unscoped.id)).filter((p) => p.enabled).sort((a, b) => a.name.localeCompare(b.name));
      if (projects.length === 0) throw new Forbidden(`User ${username} has no role on any enabled project: ask an administrator for a role assignment.`);
      const project = projectId ? projects.find((p) => p.id === projectId) : projects[0];
      if (!project) throw new NotFound(`User ${username} has no role on project ${projectId}.`);
      const scoped = await this.identity.scopeToProject(unscoped.id, project.id);
      return this.sessions.create(unscoped, scoped, projects);
    } catch (err) {
      this.revokeLater(unscoped.id);
      throw err;
    }
  }

  /** Scopes the session to another of its user's projects; the previous scoped token is revoked. */
  async switchProject(s: Session, projectId: string): Promise<Session> {
    if (!s.projects.some((p) => p.id === projectId)) {
      // the list may be stale (a role granted since the login): ask identity again
      s.projects = (await this.identity.projects(s.unscoped.id)).filter((p) => p.enabled).sort((a, b) => a.name.localeCompare(b.name));
      if (!s.projects.some((p) => p.id === projectId)) throw new BadRequest(`You have no role on project ${projectId}: choose one of ${s.projects.map((p) => p.name).join(', ')}.`);
    }
    const previous = s.scoped;
    s.scoped = await this.identity.scopeToProject(s.unscoped.id, projectId);
    if (previous.id !== s.scoped.id) this.revokeLater(previous.id);
    return s;
  }

  /** Ends the session and revokes both its tokens at identity (awaited: logout says whether it worked). */
  async logout(s: Session): Promise<void> {
    this.sessions.delete(s.id);
    await this.identity.revoke(s.scoped.id);
    await this.identity.revoke(s.unscoped.id);
  }

  /** For a session that ended by itself (idle, evicted): its tokens are revoked in the background. */
  ended(s: Session): void {
    this.revokeLater(s.scoped.id);
    this.revokeLater(s.unscoped.id);
  }

  private revokeLater(token: string): void {
    this.identity.revoke(token).catch((err: Error) => this.log.warn({ err: err.message }, 'could not revoke a token of an ended session'));
  }
}
