import { Injectable } from '@nestjs/common';
import { BadRequest, NotFound } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { RoleEntity } from '../db/entities';
import { AssignmentRepository } from '../db/repositories/assignment.repository';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { ChangeFeed } from './events';
import { given, newId } from './primitives';
import { grantRevocation } from './grants.service';
import { Revocation, RevocationService } from './revocation.service';

export interface RoleInput {
  name?: string;
  /** A domain-specific role (null or absent: global). */
  domain_id?: string | null;
  description?: string | null;
  options?: Record<string, unknown>;
}

/**
 * Global and domain-specific roles (a name is unique within its domain). Deleting one removes its
 * grants and implied-role rules, and revokes the tokens they empowered.
 */
@Injectable()
export class RolesService {
  constructor(
    private readonly repo: AssignmentRepository,
    private readonly resources: ResourceRepository,
    private readonly policy: PolicyEnforcer,
    private readonly revocations: RevocationService,
    private readonly changes: ChangeFeed,
  ) {}

  async get(auth: AuthContext, id: string): Promise<RoleEntity> {
    this.policy.enforce('identity:get_role', auth);
    return this.find(id);
  }

  /** Global roles, or with `domain_id` the roles of that domain (Keystone lists only one kind). */
  async list(auth: AuthContext, f: { name?: string; domain_id?: string }): Promise<RoleEntity[]> {
    this.policy.enforce(f.domain_id ? 'identity:list_domain_roles' : 'identity:list_roles', auth);
    return this.repo.listRolesIn(f.domain_id || null, given({ name: f.name }));
  }

  async create(auth: AuthContext, input: RoleInput & { name: string }): Promise<RoleEntity> {
    this.policy.enforce(input.domain_id ? 'identity:create_domain_role' : 'identity:create_role', auth);
    const domainId = input.domain_id ?? null;
    if (domainId && !(await this.resources.findDomain(domainId))) throw new NotFound(`Could not find domain: ${domainId}.`);
    const role: RoleEntity = { id: newId(), name: input.name, domainId, description: input.description ?? null, options: input.options ?? {} };
    await this.repo.insertRole(role);
    return role;
  }

  async update(auth: AuthContext, id: string, input: RoleInput): Promise<RoleEntity> {
    this.policy.enforce('identity:update_role', auth);
    const role = await this.find(id);
    if (input.domain_id !== undefined && input.domain_id !== role.domainId) throw new BadRequest('Update of `domain_id` is not allowed.');
    await this.repo.updateRole(id, given({ name: input.name, description: input.description, options: input.options }));
    this.changes.changed();
    return this.find(id);
  }

  async delete(auth: AuthContext, id: string): Promise<void> {
    this.policy.enforce('identity:delete_role', auth);
    await this.find(id);
    const grants = await this.repo.list({ roleId: id });
    await this.repo.deleteRole(id);
    const revocations = new Map<string, Revocation>();
    for (const g of grants) {
      const users = g.actorType === 'user' ? [g.actorId] : await this.resources.userIdsOfGroup(g.actorId);
      for (const userId of users) {
        const r = grantRevocation(userId, g);
        revocations.set(JSON.stringify(r), r);
      }
    }
    for (const r of revocations.values()) await this.revocations.revoke(r);
    this.changes.changed();
  }

  private async find(id: string): Promise<RoleEntity> {
    const role = await this.repo.findRole(id);
    if (!role) throw new NotFound(`Could not find role: ${id}.`);
    return role;
  }
}
