import { Injectable } from '@nestjs/common';
import { BadRequest, Forbidden, NotFound } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { ApplicationCredentialEntity, RoleEntity } from '../db/entities';
import { AssignmentRepository } from '../db/repositories/assignment.repository';
import { CredentialRepository } from '../db/repositories/credential.repository';
import { AssignmentService } from './assignment.service';
import { Clock, newId, newSecret, PasswordHasher } from './primitives';
import { RevocationService } from './revocation.service';

export interface AppCredInput {
  name: string;
  description?: string | null;
  secret?: string | null;
  /** ISO 8601; without a zone it is UTC. */
  expires_at?: string | null;
  roles?: Array<{ id?: string; name?: string }>;
  unrestricted?: boolean;
}

export interface AppCredWithRoles {
  cred: ApplicationCredentialEntity;
  roles: RoleEntity[];
}

/** Parses Keystone's expires_at: ISO 8601, a missing zone meaning UTC; the microseconds as given. */
export function parseExpiry(value: string): { at: Date; micros: number } {
  const iso = value.replace(' ', 'T');
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(d.getTime())) throw new BadRequest(`Invalid expires_at '${value}'.`);
  const fraction = /:\d\d\.(\d+)/.exec(iso)?.[1] ?? '';
  return { at: d, micros: Number(fraction.slice(0, 6).padEnd(6, '0')) };
}

/**
 * Application credentials: a user delegates (a subset of) their roles on the token's project.
 * The secret is returned once, at creation, and stored as a bcrypt hash.
 */
@Injectable()
export class ApplicationCredentialsService {
  constructor(
    private readonly repo: CredentialRepository,
    private readonly roles: AssignmentRepository,
    private readonly assignments: AssignmentService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PolicyEnforcer,
    private readonly revocations: RevocationService,
    private readonly clock: Clock,
  ) {}

  async create(auth: AuthContext, userId: string, input: AppCredInput): Promise<AppCredWithRoles & { secret: string }> {
    this.policy.enforce('identity:create_application_credential', auth, { user_id: userId });
    await this.refuseRestricted(auth);
    if (auth.userId !== userId) {
      throw new Forbidden('You are not authorized to perform the requested action: Cannot create an application credential for another user.');
    }
    if (!auth.projectId) throw new Forbidden('Application credentials need a project-scoped token.');
    let expiresAt: Date | null = null;
    let expiresAtMicros: number | null = null;
    if (input.expires_at) {
      ({ at: expiresAt, micros: expiresAtMicros } = parseExpiry(input.expires_at));
      if (expiresAt.getTime() <= this.clock.now().getTime()) throw new BadRequest('Invalid application credential: expires_at must be in the future.');
    }
    const roles = await this.delegatedRoles(auth, input.roles);
    const secret = input.secret ?? newSecret();
    const cred: Omit<ApplicationCredentialEntity, 'createdAt'> = {
      id: newId(),
      name: input.name,
      userId,
      projectId: auth.projectId,
      secretHash: await this.hasher.hash(secret),
      description: input.description ?? null,
      expiresAt,
      expiresAtMicros,
      unrestricted: input.unrestricted ?? false,
      roleIds: roles.map((r) => r.id),
    };
    await this.repo.insertAppCred(cred);
    return { cred: await this.find(userId, cred.id), roles, secret };
  }

  async list(auth: AuthContext, userId: string, name?: string): Promise<AppCredWithRoles[]> {
    this.policy.enforce('identity:list_application_credentials', auth, { user_id: userId });
    const creds = await this.repo.listAppCreds(userId, name);
    return Promise.all(creds.map(async (cred) => ({ cred, roles: await this.rolesOf(cred) })));
  }

  async get(auth: AuthContext, userId: string, id: string): Promise<AppCredWithRoles> {
    this.policy.enforce('identity:get_application_credential', auth, { user_id: userId });
    const cred = await this.find(userId, id);
    return { cred, roles: await this.rolesOf(cred) };
  }

  /** Deleting a credential revokes every token issued with it. */
  async delete(auth: AuthContext, userId: string, id: string): Promise<void> {
    this.policy.enforce('identity:delete_application_credential', auth, { user_id: userId });
    await this.refuseRestricted(auth);
    await this.find(userId, id);
    await this.repo.deleteAppCred(id);
    await this.revocations.revoke({ applicationCredentialId: id });
  }

  /**
   * The roles to delegate: by default all the token's roles on its project; when given, each
   * must be one the token holds (as Keystone: an unknown name → 404, an id or a name the token
   * does not hold → 403), plus the roles they imply.
   */
  private async delegatedRoles(auth: AuthContext, refs: AppCredInput['roles']): Promise<RoleEntity[]> {
    const all = await this.roles.listRoles();
    const held = all.filter((r) => auth.roles.includes(r.name));
    if (!refs || refs.length === 0) return held;
    const chosen: RoleEntity[] = [];
    for (const ref of refs) {
      if (ref.name !== undefined && !all.some((r) => r.name === ref.name)) throw new NotFound(`Could not find role: ${ref.name}.`);
      const role = held.find((r) => (ref.id !== undefined ? r.id === ref.id : r.name === ref.name));
      if (!role) {
        throw new Forbidden(`You are not authorized to perform the requested action: Cannot create an application credential with unassigned role ${ref.id ?? ref.name}.`);
      }
      if (!chosen.some((r) => r.id === role.id)) chosen.push(role);
    }
    return this.assignments.withImplied(chosen);
  }

  /** A token made from a restricted application credential cannot manage application credentials. */
  private async refuseRestricted(auth: AuthContext): Promise<void> {
    if (!auth.applicationCredentialId) return;
    const current = await this.repo.findAppCred(auth.applicationCredentialId);
    if (!current?.unrestricted) {
      throw new Forbidden(
        "You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing additional application credentials.",
      );
    }
  }

  private async rolesOf(cred: ApplicationCredentialEntity): Promise<RoleEntity[]> {
    return (await this.roles.listRolesByIds(cred.roleIds)).sort((a, b) => a.name.localeCompare(b.name));
  }

  private async find(userId: string, id: string): Promise<ApplicationCredentialEntity> {
    const cred = await this.repo.findAppCred(id);
    if (!cred || cred.userId !== userId) throw new NotFound(`Could not find Application Credential: ${id}.`);
    return cred;
  }
}
