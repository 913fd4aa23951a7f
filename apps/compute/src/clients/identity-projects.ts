import { kumoFetch } from '@kumo/common';
import type { AuthContext } from '@kumo/auth';

export type ProjectLookup = 'exists' | 'missing' | 'unknown';

/**
 * Whether a project id names a project, asked of identity as the caller (Nova's
 * identity.verify_project_id): a 404 is `missing`; a 403, an error or an unreachable identity is
 * `unknown`, which Nova lets pass.
 */
export abstract class ProjectDirectory {
  abstract lookup(auth: AuthContext, projectId: string): Promise<ProjectLookup>;
}

/** Identity's `GET /v3/projects/{id}` with the caller's token. */
export class IdentityProjectDirectory extends ProjectDirectory {
  constructor(
    private readonly identityUrl: string,
    private readonly onUnknown: (projectId: string, why: string) => void = () => undefined,
  ) {
    super();
  }

  async lookup(auth: AuthContext, projectId: string): Promise<ProjectLookup> {
    let res: Response;
    try {
      res = await kumoFetch(`${this.identityUrl.replace(/\/+$/, '')}/projects/${encodeURIComponent(projectId)}`, { headers: { 'x-auth-token': auth.token, accept: 'application/json' }, timeoutMs: 10_000 });
    } catch (err) {
      this.onUnknown(projectId, `identity unreachable: ${(err as Error).message}`);
      return 'unknown';
    }
    await res.body?.cancel();
    if (res.ok) return 'exists';
    if (res.status === 404) return 'missing';
    this.onUnknown(projectId, `identity answered ${res.status}`);
    return 'unknown';
  }
}
