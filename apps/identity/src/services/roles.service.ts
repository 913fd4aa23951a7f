import { Injectable } from '@nestjs/common';
import { NotFound } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { RoleEntity } from '../db/entities';
import { AssignmentRepository } from '../db/repositories/assignment.repository';
import { ChangeFeed } from './events';
import { newId } from './primitives';
import { RevocationService } from './revocation.service';

@Injectable()
export class RolesService {
  constructor(
    private readonly repo: AssignmentRepository,
    private readonly policy: PolicyEnforcer,
    private readonly revocations: RevocationService,
    private readonly changes: ChangeFeed,
  ) {}

  async get(auth: AuthContext, id: string): Promise<RoleEntity> {
    this.policy.enforce('identity:get_role', auth);
    const role = await this.repo.findRole(id);
    if (!role) throw new NotFound(`Could not find role: ${id}.`);
    return role;
  }

  async list(auth: AuthContext, f: { name?: string }): Promise<RoleEntity[]> {
    this.policy.enforce('identity:list_roles', auth);
    return this.repo.listRoles(f.name !== undefined ? { name: f.name } : {});
  }

  async create(auth: AuthContext, input: { name: string; description?: string | null; options?: Record<string, unknown> }): Promise<RoleEntity> {
    this.policy.enforce('identity:create_role', auth);
    const role: RoleEntity = { id: newId(), name: input.name, domainId: null, description: input.description ?? null, options: input.options ?? {} };
    await this.repo.insertRole(role);
    return role;
  }

  async update(auth: AuthContext, id: string, input: { name?: string; description?: string | null; options?: Record<string, unknown> }): Promise<RoleEntity> {
    this.policy.enforce('identity:update_role', auth);
    await this.get(auth, id);
    await this.repo.updateRole(id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.options !== undefined ? { options: input.options } : {}),
    });
    this.changes.changed();
    return (await this.repo.findRole(id))!;
  }

  /** Deleting a role revokes the tokens of everyone who held it. */
  async delete(auth: AuthContext, id: string): Promise<void> {
    this.policy.enforce('identity:delete_role', auth);
    await this.get(auth, id);
    const holders = await this.repo.list({ roleId: id });
    await this.repo.deleteRole(id);
    const users = new Set(holders.filter((h) => h.actorType === 'user').map((h) => h.actorId));
    for (const userId of users) await this.revocations.revoke({ userId });
    if (holders.some((h) => h.actorType === 'group')) this.changes.changed();
  }
}
