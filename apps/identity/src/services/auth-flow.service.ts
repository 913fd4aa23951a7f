import { Injectable } from '@nestjs/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import type { AuthRequest } from '@kumo/contracts';
import { IdentityViews } from '../api/views';
import { DomainEntity } from '../db/entities';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { AssignmentService } from './assignment.service';
import { Unauthorized } from '@kumo/common';
import { AuthRateLimiter } from './auth-rate-limiter';
import { AuthService } from './auth.service';
import { CatalogService } from './catalog.service';
import { RevocationService } from './revocation.service';
import { TokenService, TokenView } from './token.service';
import { renderToken } from './token.view';

/** Use-cases of `/v3/auth/*`, with their policy. */
@Injectable()
export class TokensService {
  constructor(
    private readonly auth: AuthService,
    private readonly tokens: TokenService,
    private readonly catalogs: CatalogService,
    private readonly revocations: RevocationService,
    private readonly resources: ResourceRepository,
    private readonly assignments: AssignmentService,
    private readonly policy: PolicyEnforcer,
    private readonly views: IdentityViews,
    private readonly limiter: AuthRateLimiter,
  ) {}

  /**
   * POST /v3/auth/tokens from `source` (the client's address). Requests with a guessable secret
   * (a password or an application credential secret) are held to the per-source failure limit;
   * a token alone (signed, not guessable) is not.
   */
  async issue(req: AuthRequest, withCatalog: boolean, source: string): Promise<{ token: string; body: unknown }> {
    const methods = req.auth.identity.methods;
    const limited = methods.includes('password') || methods.includes('application_credential');
    if (limited) this.limiter.check(source);
    try {
      const view = await this.auth.authenticate(req.auth.identity, req.auth.scope);
      return { token: view.token, body: await this.render(view, withCatalog) };
    } catch (err) {
      if (limited && err instanceof Unauthorized) this.limiter.recordFailure(source);
      throw err;
    }
  }

  /** GET /v3/auth/tokens: an admin or service may validate any token, a user their own. */
  async validate(caller: AuthContext, subject: string, withCatalog: boolean): Promise<unknown> {
    const view = await this.tokens.validate(subject);
    this.mayInspect(caller, view, 'identity:validate_token');
    return this.render(view, withCatalog);
  }

  async revoke(caller: AuthContext, subject: string): Promise<void> {
    const view = await this.tokens.validate(subject);
    this.mayInspect(caller, view, 'identity:revoke_token');
    await this.revocations.revoke({ auditId: view.payload.auditIds[0] });
  }

  async catalog(caller: AuthContext): Promise<unknown> {
    return { catalog: await this.catalogs.forProject(caller.projectId), links: this.links('auth/catalog') };
  }

  async projects(caller: AuthContext): Promise<unknown> {
    const ids = await this.assignments.projectIdsOfUser(caller.userId);
    const projects = (await this.resources.listProjectsByIds(ids)).filter((p) => p.enabled);
    return { projects: projects.map((p) => this.views.project(p)), links: this.links('auth/projects') };
  }

  async domains(caller: AuthContext): Promise<unknown> {
    const ids = await this.assignments.targetIdsOfUser(caller.userId, 'domain');
    const domains = (await Promise.all(ids.map((id) => this.resources.findDomain(id)))).filter(
      (d): d is DomainEntity => d !== null && d.enabled,
    );
    return { domains: domains.map((d) => this.views.domain(d)), links: this.links('auth/domains') };
  }

  async system(caller: AuthContext): Promise<unknown> {
    const roles = await this.assignments.effectiveRoleIds(caller.userId, 'system', 'all');
    return { system: roles.length ? [{ all: true }] : [], links: this.links('auth/system') };
  }

  private mayInspect(caller: AuthContext, subject: TokenView, action: string): void {
    this.policy.enforce(action, caller, { user_id: subject.user.id });
  }

  private async render(view: TokenView, withCatalog: boolean): Promise<unknown> {
    const catalog = withCatalog ? await this.catalogs.forProject(view.project?.id) : undefined;
    return renderToken(view, catalog);
  }

  private links(path: string): Record<string, string | null> {
    return { self: this.views.url(path), previous: null, next: null };
  }
}
