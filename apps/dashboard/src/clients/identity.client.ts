import { KumoError, kumoFetch, ServiceUnavailable } from '@kumo/common';
import type { CatalogEntry } from '@kumo/sdk';

/** What the dashboard keeps of a token identity issued. */
export interface IssuedToken {
  id: string;
  expiresAt: number;
  user: { id: string; name: string; domain: { id: string; name: string } };
  project?: { id: string; name: string; domain: { id: string; name: string } };
  roles: string[];
  catalog: CatalogEntry[];
}

/** A project the user may scope to (GET /v3/auth/projects). */
export interface ProjectChoice {
  id: string;
  name: string;
  domain_id: string;
  enabled: boolean;
}

/** An error identity answered, with its status and its own message (Keystone's `{"error": {...}}`). */
export class IdentityRefused extends KumoError {
  /** Identity's 4xx as it is; anything else is 503 (identity is there but does not work). */
  override readonly status: number;
  constructor(
    readonly upstreamStatus: number,
    message: string,
  ) {
    super(message);
    this.status = upstreamStatus >= 400 && upstreamStatus < 500 ? upstreamStatus : 503;
  }
}

interface TokenWire {
  token?: {
    expires_at?: string;
    user?: IssuedToken['user'];
    project?: IssuedToken['project'];
    roles?: Array<{ name: string }>;
    catalog?: CatalogEntry[];
  };
}

/**
 * The dashboard's calls to identity (Keystone v3) on behalf of a user: a password login without
 * scope, the projects that token may scope to, a project-scoped token from it, and revocation.
 */
export class IdentityClient {
  readonly v3: string;

  constructor(
    authUrl: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.v3 = `${authUrl.replace(/\/+$/, '').replace(/\/v3$/, '')}/v3`;
  }

  /** POST /v3/auth/tokens with the password method and `"scope": "unscoped"` (a default project is not applied). */
  async passwordLogin(domain: string, username: string, password: string): Promise<IssuedToken> {
    const user = { name: username, domain: { name: domain }, password };
    return this.issue({ identity: { methods: ['password'], password: { user } }, scope: 'unscoped' }, true);
  }

  /** A token scoped to `projectId`, made from `token` (the token method), with its catalog. */
  async scopeToProject(token: string, projectId: string): Promise<IssuedToken> {
    return this.issue({ identity: { methods: ['token'], token: { id: token } }, scope: { project: { id: projectId } } }, false);
  }

  /** GET /v3/auth/projects: the projects `token`'s user may scope to. */
  async projects(token: string): Promise<ProjectChoice[]> {
    const res = await this.fetch('/auth/projects', { headers: { 'x-auth-token': token, accept: 'application/json' } });
    const body = (await this.json(res, 200)) as { projects?: ProjectChoice[] };
    if (!Array.isArray(body.projects)) throw new IdentityRefused(503, 'Identity answered GET /v3/auth/projects without a projects list.');
    return body.projects.map((p) => ({ id: p.id, name: p.name, domain_id: p.domain_id, enabled: p.enabled }));
  }

  /** DELETE /v3/auth/tokens: revokes `token` (the token itself authorizes it). A token already invalid is not an error. */
  async revoke(token: string): Promise<void> {
    const res = await this.fetch('/auth/tokens', { method: 'DELETE', headers: { 'x-auth-token': token, 'x-subject-token': token } });
    if (res.status === 204 || res.status === 404 || res.status === 401) {
      await res.body?.cancel();
      return;
    }
    await this.json(res, 204);
  }

  private async issue(auth: Record<string, unknown>, noCatalog: boolean): Promise<IssuedToken> {
    const res = await this.fetch(`/auth/tokens${noCatalog ? '?nocatalog' : ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ auth }),
    });
    const body = (await this.json(res, 201)) as TokenWire;
    const id = res.headers.get('x-subject-token');
    const t = body.token;
    const expiresAt = Date.parse(t?.expires_at ?? '');
    if (!id || !t?.user || !Number.isFinite(expiresAt)) throw new IdentityRefused(503, 'Identity issued a token without its id, user or expiry.');
    return { id, expiresAt, user: t.user, project: t.project, roles: (t.roles ?? []).map((r) => r.name), catalog: t.catalog ?? [] };
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await kumoFetch(`${this.v3}${path}`, { ...init, timeoutMs: this.timeoutMs });
    } catch (err) {
      throw new ServiceUnavailable(`Identity at ${this.v3} did not answer: ${(err as Error).message}`);
    }
  }

  private async json(res: Response, expected: number): Promise<unknown> {
    const text = await res.text();
    if (res.status === expected) return text ? JSON.parse(text) : {};
    throw new IdentityRefused(res.status, faultMessage(text) ?? `Identity answered ${res.status}.`);
  }
}

/** The message of an OpenStack fault body (`{"error": {"message"}}`, Nova's `{"itemNotFound": {"message"}}`), if any. */
export function faultMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as Record<string, { message?: unknown } | undefined>;
    const first = body.error ?? Object.values(body)[0];
    return typeof first?.message === 'string' ? first.message : undefined;
  } catch {
    return undefined;
  }
}
