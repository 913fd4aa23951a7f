import { Injectable } from '@nestjs/common';
import { BadRequest, Unauthorized } from '@kumo/common';
import type { AuthRequest } from '@kumo/contracts';
import { ApplicationCredentialEntity, DomainEntity, UserEntity } from '../db/entities';
import { CredentialRepository } from '../db/repositories/credential.repository';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { AssignmentService } from './assignment.service';
import { LockoutService } from './lockout.service';
import { Clock, PasswordHasher } from './primitives';
import { ScopeType, TokenPayload } from './token-codec';
import { TokenNotFound, TokenProvider, TokenView } from './token-provider';

/** The one message for every failed credential check, so nothing reveals whether a user exists. */
export const AUTH_FAILED = 'The request you have made requires authentication.';

type Identity = AuthRequest['auth']['identity'];
type Scope = AuthRequest['auth']['scope'];

interface Authenticated {
  userId: string;
  parent?: TokenPayload;
  applicationCredential?: ApplicationCredentialEntity;
}

const SUPPORTED = new Set(['password', 'token', 'application_credential']);

/** Authenticates a POST /v3/auth/tokens identity (password, token, application credential), resolves its scope and has the token issued. */
@Injectable()
export class Authenticator {
  constructor(
    private readonly resources: ResourceRepository,
    private readonly credentials: CredentialRepository,
    private readonly assignments: AssignmentService,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenProvider,
    private readonly clock: Clock,
    private readonly lockout: LockoutService,
  ) {}

  async authenticate(identity: Identity, scope: Scope): Promise<TokenView> {
    const methods = [...new Set(identity.methods)];
    for (const m of methods) {
      if (!SUPPORTED.has(m)) throw new Unauthorized(`Attempted to authenticate with an unsupported method: ${m}.`);
      if (identity[m as 'password' | 'token' | 'application_credential'] === undefined) {
        throw new BadRequest(`Invalid input for field 'identity.${m}': the method is listed but its data is missing.`);
      }
    }
    const results: Authenticated[] = [];
    for (const m of methods) {
      if (m === 'password') results.push(await this.password(identity.password!));
      else if (m === 'token') results.push(await this.token(identity.token!.id));
      else results.push(await this.applicationCredential(identity.application_credential!));
    }
    const userId = results[0].userId;
    if (results.some((r) => r.userId !== userId)) throw new Unauthorized(AUTH_FAILED);
    const parent = results.find((r) => r.parent)?.parent;
    const applicationCredential = results.find((r) => r.applicationCredential)?.applicationCredential;

    let target: { type: ScopeType; id: string } | undefined;
    if (applicationCredential) {
      if (scope !== undefined && scope !== 'unscoped') {
        throw new Unauthorized('Application credentials cannot request a scope.');
      }
      target = { type: 'project', id: applicationCredential.projectId };
    } else {
      target = await this.scope(scope, userId, parent);
    }
    return this.tokens.issue({
      userId,
      methods: parent ? [...new Set([...parent.methods, ...methods.filter((m) => m !== 'token')])] : methods,
      scope: target,
      parent,
      applicationCredential: applicationCredential ?? (parent?.applicationCredentialId ? await this.credentials.findAppCred(parent.applicationCredentialId) ?? undefined : undefined),
    });
  }

  private async domainOf(ref: { id?: string; name?: string } | undefined): Promise<DomainEntity | null> {
    if (!ref) return null;
    if (ref.id) return this.resources.findDomain(ref.id);
    if (ref.name) return this.resources.findDomainByName(ref.name);
    return null;
  }

  private async findUser(ref: { id?: string; name?: string; domain?: { id?: string; name?: string } }): Promise<UserEntity | null> {
    if (ref.id) return this.resources.findUser(ref.id);
    if (!ref.name) throw new BadRequest("Invalid input for field 'user': either 'id' or 'name' (with 'domain') is required.");
    if (!ref.domain) throw new BadRequest("Invalid input for field 'user': a user name needs its 'domain' (id or name).");
    const domain = await this.domainOf(ref.domain);
    return domain ? this.resources.findUserByName(domain.id, ref.name) : null;
  }

  private async password(p: NonNullable<Identity['password']>): Promise<Authenticated> {
    const user = await this.findUser(p.user);
    // Keystone's order: a locked account is refused before its password is checked
    if (user) await this.lockout.assertNotLocked(user);
    const ok = await this.hasher.verify(p.user.password, user?.passwordHash);
    if (user && !ok) await this.lockout.recordFailure(user);
    if (!user || !ok || !user.enabled) throw new Unauthorized(AUTH_FAILED);
    await this.lockout.recordSuccess(user);
    const domain = await this.resources.findDomain(user.domainId);
    if (!domain?.enabled) throw new Unauthorized(AUTH_FAILED);
    return { userId: user.id };
  }

  private async token(id: string): Promise<Authenticated> {
    try {
      const view = await this.tokens.validate(id);
      if (view.applicationCredential && !view.applicationCredential.unrestricted) {
        // a restricted application credential cannot be turned into another token
        throw new Unauthorized(AUTH_FAILED);
      }
      return { userId: view.user.id, parent: view.payload };
    } catch (err) {
      if (err instanceof TokenNotFound) throw new Unauthorized(AUTH_FAILED);
      throw err;
    }
  }

  private async applicationCredential(a: NonNullable<Identity['application_credential']>): Promise<Authenticated> {
    let cred: ApplicationCredentialEntity | null = null;
    if (a.id) {
      cred = await this.credentials.findAppCred(a.id);
    } else if (a.name && a.user) {
      const user = await this.findUser(a.user);
      cred = user ? await this.credentials.findAppCredByName(user.id, a.name) : null;
    } else {
      throw new BadRequest("Invalid input for field 'application_credential': 'id', or 'name' with 'user', is required.");
    }
    const ok = await this.hasher.verify(a.secret, cred?.secretHash);
    if (!cred || !ok) throw new Unauthorized(AUTH_FAILED);
    if (cred.expiresAt && cred.expiresAt.getTime() <= this.clock.now().getTime()) throw new Unauthorized(AUTH_FAILED);
    return { userId: cred.userId, applicationCredential: cred };
  }

  /** Resolves the requested scope; with none, a user's default project (if it has roles there), as Keystone does. */
  private async scope(scope: Scope, userId: string, parent?: TokenPayload): Promise<{ type: ScopeType; id: string } | undefined> {
    if (scope === 'unscoped') return undefined;
    if (!scope) {
      if (parent) return parent.scope;
      const user = await this.resources.findUser(userId);
      if (user?.defaultProjectId) {
        const project = await this.resources.findProject(user.defaultProjectId);
        if (project?.enabled && (await this.assignments.effectiveRoleIds(userId, 'project', project.id)).length > 0) {
          return { type: 'project', id: project.id };
        }
      }
      return undefined;
    }
    const given = [scope.project, scope.domain, scope.system].filter((s) => s !== undefined);
    if (given.length !== 1) throw new BadRequest("Invalid input for field 'scope': give exactly one of project, domain or system.");
    if (scope['OS-TRUST:trust'] !== undefined) throw new BadRequest('Trusts are not supported.');
    if (scope.system) return { type: 'system', id: 'all' };
    if (scope.domain) {
      if (!scope.domain.id && !scope.domain.name) throw new BadRequest("Invalid input for field 'scope.domain': 'id' or 'name' is required.");
      const domain = await this.domainOf(scope.domain);
      if (!domain) throw new Unauthorized(`Could not find domain: ${scope.domain.id ?? scope.domain.name}.`);
      return { type: 'domain', id: domain.id };
    }
    const p = scope.project!;
    if (p.id) return { type: 'project', id: p.id };
    if (!p.name || !p.domain) throw new BadRequest("Invalid input for field 'scope.project': 'id', or 'name' with 'domain', is required.");
    const domain = await this.domainOf(p.domain);
    const project = domain ? await this.resources.findProjectByName(domain.id, p.name) : null;
    if (!project) throw new Unauthorized(`Could not find project: ${p.name}.`);
    return { type: 'project', id: project.id };
  }
}
