import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { NotFound, Unauthorized } from '@kumo/common';
import { IDENTITY_CONFIG, IdentityConfig } from '../config';
import { ApplicationCredentialEntity, DomainEntity, ProjectEntity, RoleEntity, UserEntity } from '../db/entities';
import { CredentialRepository } from '../db/repositories/credential.repository';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { AssignmentService } from './assignment.service';
import { ChangeFeed } from './events';
import { Clock } from './primitives';
import { RevocationService } from './revocation.service';
import { newAuditId, ScopeType, TokenCodec, TokenPayload } from './token-codec';

/** A token resolved against the current state: who, on what, with which roles. */
export interface TokenView {
  token: string;
  payload: TokenPayload;
  user: UserEntity;
  userDomain: DomainEntity;
  project?: ProjectEntity;
  projectDomain?: DomainEntity;
  domain?: DomainEntity;
  system?: boolean;
  roles: RoleEntity[];
  applicationCredential?: ApplicationCredentialEntity;
}

export interface IssueRequest {
  userId: string;
  methods: string[];
  scope?: { type: ScopeType; id: string };
  /** Rescoping keeps the original token's expiry and audit chain. */
  parent?: TokenPayload;
  applicationCredential?: ApplicationCredentialEntity;
}

/** Thrown when a token cannot be validated: 404 on GET /v3/auth/tokens, 401 at a guard. */
export class TokenNotFound extends NotFound {
  constructor() {
    super('Could not find token.');
  }
}

/**
 * Issues tokens for authenticated users and validates tokens by resolving them against the current
 * state (user, scope, roles, revocation); resolved tokens are cached until any identity change.
 */
@Injectable()
export class TokenProvider {
  private readonly cache: LRUCache<string, TokenView> | undefined;

  constructor(
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    private readonly codec: TokenCodec,
    private readonly resources: ResourceRepository,
    private readonly credentials: CredentialRepository,
    private readonly assignments: AssignmentService,
    private readonly revocations: RevocationService,
    private readonly clock: Clock,
    changes: ChangeFeed,
  ) {
    const { validation_cache_ttl: ttl, validation_cache_size: max } = config.identity;
    this.cache = ttl > 0 && max > 0 ? new LRUCache({ max, ttl: ttl * 1000 }) : undefined;
    changes.onChange(() => this.cache?.clear());
  }

  /** Issues a token for an already authenticated user; throws Unauthorized when the scope is not allowed. */
  async issue(req: IssueRequest): Promise<TokenView> {
    const now = this.clock.now().getTime();
    const lifetime = this.config.identity.token_expiration * 1000;
    let expiresAt = req.parent ? Math.min(req.parent.expiresAt, now + lifetime) : now + lifetime;
    if (req.applicationCredential?.expiresAt) expiresAt = Math.min(expiresAt, req.applicationCredential.expiresAt.getTime());
    const auditIds = [newAuditId()];
    if (req.parent) auditIds.push(req.parent.auditIds[req.parent.auditIds.length - 1]);
    const payload: TokenPayload = {
      userId: req.userId,
      methods: req.methods,
      scope: req.scope,
      issuedAt: now,
      expiresAt,
      auditIds,
      applicationCredentialId: req.applicationCredential?.id,
    };
    const token = this.codec.encode(payload);
    const view = await this.resolve(token, payload, (msg) => new Unauthorized(msg));
    this.cache?.set(token, view);
    return view;
  }

  /** Validates a token (signature, expiry, revocation, current state); throws TokenNotFound. */
  async validate(token: string): Promise<TokenView> {
    const cached = this.cache?.get(token);
    if (cached) {
      if (cached.payload.expiresAt <= this.clock.now().getTime()) throw new TokenNotFound();
      return cached;
    }
    const payload = this.codec.decode(token);
    if (!payload || payload.expiresAt <= this.clock.now().getTime()) throw new TokenNotFound();
    const view = await this.resolve(token, payload, () => new TokenNotFound());
    this.cache?.set(token, view);
    return view;
  }

  private async resolve(token: string, payload: TokenPayload, fail: (msg: string) => Error): Promise<TokenView> {
    const user = await this.resources.findUser(payload.userId);
    if (!user || !user.enabled) throw fail('The request you have made requires authentication.');
    const userDomain = await this.resources.findDomain(user.domainId);
    if (!userDomain || !userDomain.enabled) throw fail('The request you have made requires authentication.');
    const view: TokenView = { token, payload, user, userDomain, roles: [] };
    let projectDomainId: string | undefined;

    if (payload.applicationCredentialId) {
      const ac = await this.credentials.findAppCred(payload.applicationCredentialId);
      if (!ac || ac.userId !== user.id || (ac.expiresAt && ac.expiresAt.getTime() <= this.clock.now().getTime())) {
        throw fail('The application credential is no longer valid.');
      }
      view.applicationCredential = ac;
    }

    const scope = payload.scope;
    if (scope?.type === 'project') {
      const project = await this.resources.findProject(scope.id);
      // most projects are in their user's domain: that one is already resolved
      const domain = project && (project.domainId === user.domainId ? userDomain : await this.resources.findDomain(project.domainId));
      if (!project || !project.enabled || !domain || !domain.enabled) {
        throw fail(`The project ${scope.id} is disabled, does not exist or its domain is disabled.`);
      }
      view.project = project;
      view.projectDomain = domain;
      projectDomainId = domain.id;
    } else if (scope?.type === 'domain') {
      const domain = await this.resources.findDomain(scope.id);
      if (!domain || !domain.enabled) throw fail(`The domain ${scope.id} is disabled or does not exist.`);
      view.domain = domain;
    } else if (scope?.type === 'system') {
      view.system = true;
    }

    if (scope) {
      let roles = await this.assignments.tokenRoles(user.id, scope.type, scope.type === 'system' ? 'all' : scope.id);
      if (view.applicationCredential) {
        const delegated = new Set(view.applicationCredential.roleIds);
        roles = await this.assignments.forToken(roles.filter((r) => delegated.has(r.id)));
      }
      if (roles.length === 0) {
        throw fail(`User ${user.id} has no access to ${scope.type} ${scope.type === 'system' ? 'all' : scope.id}.`);
      }
      view.roles = roles;
    }
    if (this.revocations.isRevoked(payload, projectDomainId)) throw fail('The token has been revoked.');
    return view;
  }
}
