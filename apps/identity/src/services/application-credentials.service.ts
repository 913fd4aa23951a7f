import { Injectable } from '@nestjs/common';
import { BadRequest, Forbidden, NotFound } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { ApplicationCredentialEntity, RoleEntity } from '../db/entities';
import { AssignmentRepository } from '../db/repositories/assignment.repository';
import { CredentialRepository } from '../db/repositories/credential.repository';
import { Clock, newId, newSecret, PasswordHasher } from './primitives';
import { RevocationService } from './revocation.service';

export interface AppCredInput {
  name: string;
  description?: string | null;
  secret?: string | null;
  expires_at?: string | null;
  roles?: Array<{ id?: string; name?: string }>;
  unrestricted?: boolean;
}

/** Application credentials: a user delegates (a subset of) their roles on the token's project. */
@Injectable()
export class ApplicationCredentialsService {
  constructor(
    private readonly repo: CredentialRepository,
    private readonly roles: AssignmentRepository,
    private readonly hasher: PasswordHasher,
    private readonly policy: PolicyEnforcer,
    private readonly revocations: RevocationService,
    private readonly clock: Clock,
  ) {}

  async create(auth: AuthContext, userId: string, input: AppCredInput): Promise<{ cred: ApplicationCredentialEntity; roles: RoleEntity[]; secret: string }> {
    this.policy.enforce('identity:create_application_credential', auth, { user_id: userId });
    if (auth.userId !== userId) throw new Forbidden('Application credentials can only be created for yourself.');
    if (!auth.projectId) throw new Forbidden('Application credentials need a project-scoped token.');
    if (auth.applicationCredentialId) {
      const current = await this.repo.findAppCred(auth.applicationCredentialId);
      if (!current?.unrestricted) throw new Forbidden('A restricted application credential cannot create application credentials.');
    }
    let expiresAt: Date | null = null;
    if (input.expires_at) {
      expiresAt = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(input.expires_at) ? input.expires_at : `${input.expires_at}Z`);
      if (Number.isNaN(expiresAt.getTime())) throw new BadRequest(`Invalid expires_at '${input.expires_at}'.`);
      if (expiresAt.getTime() <= this.clock.now().getTime()) throw new BadRequest('expires_at must be in the future.');
    }
    const held = (await this.roles.listRoles()).filter((r) => auth.roles.includes(r.name));
    let chosen = held;
    if (input.roles && input.roles.length) {
      chosen = [];
      for (const ref of input.roles) {
        const role = held.find((r) => (ref.id !== undefined && r.id === ref.id) || (ref.name !== undefined && r.name === ref.name));
        if (!role) throw new Forbidden(`You cannot delegate role ${ref.id ?? ref.name}: you do not hold it on this project.`);
        chosen.push(role);
      }
    }
    const secret = input.secret ?? newSecret();
    const cred: Omit<ApplicationCredentialEntity, 'createdAt'> = {
      id: newId(),
      name: input.name,
      userId,
      projectId: auth.projectId,
      secretHash: await this.hasher.hash(secret),
      description: input.description ?? null,
      expiresAt,
      unrestricted: input.unrestricted ?? false,
      roleIds: chosen.map((r) => r.id),
    };
    await this.repo.insertAppCred(cred);
    return { cred: (await this.repo.findAppCred(cred.id))!, roles: chosen, secret };
  }

  async list(auth: AuthContext, userId: string, name?: string): Promise<Array<{ cred: ApplicationCredentialEntity; roles: RoleEntity[] }>> {
    this.policy.enforce('identity:list_application_credentials', auth, { user_id: userId });
    const creds = await this.repo.listAppCreds(userId, name);
    return Promise.all(creds.map(async (cred) => ({ cred, roles: await this.roles.listRolesByIds(cred.roleIds) })));
  }

  async get(auth: AuthContext, userId: string, id: string): Promise<{ cred: ApplicationCredentialEntity; roles: RoleEntity[] }> {
    this.policy.enforce('identity:get_application_credential', auth, { user_id: userId });
    const cred = await this.repo.findAppCred(id);
    if (!cred || cred.userId !== userId) throw new NotFound(`Could not find Application Credential: ${id}.`);
    return { cred, roles: await this.roles.listRolesByIds(cred.roleIds) };
  }

  async delete(auth: AuthContext, userId: string, id: string): Promise<void> {
    this.policy.enforce('identity:delete_application_credential', auth, { user_id: userId });
    await this.get(auth, userId, id);
    await this.repo.deleteAppCred(id);
    await this.revocations.revoke({ applicationCredentialId: id });
  }
}
