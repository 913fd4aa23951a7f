import { Injectable } from '@nestjs/common';
import { BadRequest, NotFound } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { GroupEntity, UserEntity } from '../db/entities';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { DEFAULT_DOMAIN_ID } from './bootstrap.service';
import { ChangeFeed } from './events';
import { given, newId } from './primitives';
import { RevocationService } from './revocation.service';

export interface GroupInput {
  name?: string;
  domain_id?: string;
  description?: string | null;
}

/** Groups and their members. Leaving a group (or its deletion) revokes the member's tokens. */
@Injectable()
export class GroupsService {
  constructor(
    private readonly repo: ResourceRepository,
    private readonly policy: PolicyEnforcer,
    private readonly revocations: RevocationService,
    private readonly changes: ChangeFeed,
  ) {}

  async get(auth: AuthContext, id: string): Promise<GroupEntity> {
    this.policy.enforce('identity:get_group', auth);
    return this.find(id);
  }

  async list(auth: AuthContext, f: { name?: string; domain_id?: string }): Promise<GroupEntity[]> {
    this.policy.enforce('identity:list_groups', auth);
    return this.repo.listGroups(given({ name: f.name, domainId: f.domain_id }));
  }

  async create(auth: AuthContext, input: GroupInput & { name: string }): Promise<GroupEntity> {
    this.policy.enforce('identity:create_group', auth);
    const domainId = input.domain_id ?? auth.projectDomainId ?? auth.domainId ?? DEFAULT_DOMAIN_ID;
    if (!(await this.repo.findDomain(domainId))) throw new NotFound(`Could not find domain: ${domainId}.`);
    const group: GroupEntity = { id: newId(), name: input.name, domainId, description: input.description ?? null };
    await this.repo.insertGroup(group);
    return group;
  }

  async update(auth: AuthContext, id: string, input: GroupInput): Promise<GroupEntity> {
    this.policy.enforce('identity:update_group', auth);
    const group = await this.find(id);
    if (input.domain_id !== undefined && input.domain_id !== group.domainId) throw new BadRequest('Cannot change Domain ID');
    await this.repo.updateGroup(id, given({ name: input.name, description: input.description }));
    return this.find(id);
  }

  async delete(auth: AuthContext, id: string): Promise<void> {
    this.policy.enforce('identity:delete_group', auth);
    await this.find(id);
    const members = await this.repo.userIdsOfGroup(id);
    await this.repo.deleteGroup(id);
    for (const userId of members) await this.revocations.revoke({ userId });
    this.changes.changed();
  }

  /** PUT /v3/groups/{g}/users/{u} (idempotent). */
  async addUser(auth: AuthContext, id: string, userId: string): Promise<void> {
    this.policy.enforce('identity:add_user_to_group', auth);
    await this.pair(id, userId);
    await this.repo.addMember(id, userId);
    this.changes.changed();
  }

  async removeUser(auth: AuthContext, id: string, userId: string): Promise<void> {
    this.policy.enforce('identity:remove_user_from_group', auth);
    await this.pair(id, userId);
    if (!(await this.repo.removeMember(id, userId))) throw this.notMember(id, userId);
    await this.revocations.revoke({ userId });
  }

  /** HEAD/GET /v3/groups/{g}/users/{u}: resolves when the user is a member. */
  async checkUser(auth: AuthContext, id: string, userId: string): Promise<void> {
    this.policy.enforce('identity:check_user_in_group', auth);
    await this.pair(id, userId);
    if (!(await this.repo.isMember(id, userId))) throw this.notMember(id, userId);
  }

  async users(auth: AuthContext, id: string): Promise<UserEntity[]> {
    this.policy.enforce('identity:list_users_in_group', auth);
    await this.find(id);
    return this.repo.listUsersByIds(await this.repo.userIdsOfGroup(id));
  }

  private async find(id: string): Promise<GroupEntity> {
    const group = await this.repo.findGroup(id);
    if (!group) throw new NotFound(`Could not find group: ${id}.`);
    return group;
  }

  private async pair(id: string, userId: string): Promise<void> {
    await this.find(id);
    if (!(await this.repo.findUser(userId))) throw new NotFound(`Could not find user: ${userId}.`);
  }

  private notMember(id: string, userId: string): NotFound {
    return new NotFound(`User '${userId}' not found in group '${id}'`);
  }
}
