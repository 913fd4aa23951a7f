import { Injectable } from '@nestjs/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { Unauthorized } from '@kumo/common';
import type { AuthRequest } from '@kumo/contracts';
import { DomainEntity, ProjectEntity } from '../db/entities';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { AssignmentService } from './assignment.service';
import { AuthRateLimiter } from './auth-rate-limiter';
import { Authenticator } from './authenticator';
import { CatalogEntry, CatalogService } from './catalog.service';
import { LocalTokenValidator } from './local-token.validator';
import { RevocationService } from './revocation.service';
import { TokenProvider, TokenView } from './token-provider';

/** A resolved token and, when asked for, its service catalog: what the API renders as `{"token": ...}`. */
export interface TokenWithCatalog {
  token: TokenView;
  catalog?: CatalogEntry[];
}

/** The `/v3/auth/*` use-cases as the API sees them: issue (failure limit), validate and revoke (policy), what a token reaches. */
@Injectable()
export class AuthFlowService {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly tokens: TokenProvider,
    private readonly catalogs: CatalogService,
    private readonly revocations: RevocationService,
    private readonly resources: ResourceRepository,
    private readonly assignments: AssignmentService,
    private readonly policy: PolicyEnforcer,
    private readonly limiter: AuthRateLimiter,
    private readonly callers: LocalTokenValidator,
  ) {}

  /**
   * POST /v3/auth/tokens from `source` (the client's address). Requests with a guessable secret
   * (a password or an application credential secret) are held to the per-source failure limit;
   * a token alone (signed, not guessable) is not.
   */
  async issue(req: AuthRequest, withCatalog: boolean, source: string): Promise<TokenWithCatalog> {
    const methods = req.auth.identity.methods;
    const limited = methods.includes('password') || methods.includes('application_credential');
    if (limited) this.limiter.check(source);
    try {
      const view = await this.authenticator.authenticate(req.auth.identity, req.auth.scope);
      return await this.withCatalog(view, withCatalog);
    } catch (err) {
      if (limited && err instanceof Unauthorized) this.limiter.recordFailure(source);
      throw err;
    }
  }

  /** GET /v3/auth/tokens: an admin or service may validate any token, a user their own. */
  async validate(caller: AuthContext, subject: string, withCatalog: boolean): Promise<TokenWithCatalog> {
    const view = await this.subject(caller, subject);
    this.mayInspect(caller, view, 'identity:validate_token');
    return this.withCatalog(view, withCatalog);
  }

  async revoke(caller: AuthContext, subject: string): Promise<void> {
    const view = await this.subject(caller, subject);
    this.mayInspect(caller, view, 'identity:revoke_token');
    await this.revocations.revoke({ auditId: view.payload.auditIds[0] });
  }

  /** GET /v3/auth/catalog: the catalog of the caller's project (without one, the endpoints that need none). */
  catalog(caller: AuthContext): Promise<CatalogEntry[]> {
    return this.catalogs.forProject(caller.projectId);
  }

  /** GET /v3/auth/projects: the enabled projects where the caller has a role. */
  async projects(caller: AuthContext): Promise<ProjectEntity[]> {
    const ids = await this.assignments.projectIdsOfUser(caller.userId);
    return (await this.resources.listProjectsByIds(ids)).filter((p) => p.enabled);
  }

  /** GET /v3/auth/domains: the enabled domains where the caller has a role. */
  async domains(caller: AuthContext): Promise<DomainEntity[]> {
    const ids = await this.assignments.targetIdsOfUser(caller.userId, 'domain');
    return (await Promise.all(ids.map((id) => this.resources.findDomain(id)))).filter(
      (d): d is DomainEntity => d !== null && d.enabled,
    );
  }

  /** GET /v3/auth/system: whether the caller has a role on the system. */
  async hasSystemRole(caller: AuthContext): Promise<boolean> {
    return (await this.assignments.effectiveRoleIds(caller.userId, 'system', 'all')).length > 0;
  }

  /** The subject token resolved; a caller inspecting its own token reuses the resolution of its authentication. */
  private async subject(caller: AuthContext, subject: string): Promise<TokenView> {
    const own = caller.token === subject ? this.callers.resolvedToken(caller) : undefined;
    return own ?? this.tokens.validate(subject);
  }

  private mayInspect(caller: AuthContext, subject: TokenView, action: string): void {
    this.policy.enforce(action, caller, { user_id: subject.user.id });
  }

  private async withCatalog(view: TokenView, withCatalog: boolean): Promise<TokenWithCatalog> {
    return { token: view, catalog: withCatalog ? await this.catalogs.forProject(view.project?.id) : undefined };
  }
}
