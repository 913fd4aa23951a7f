import { Inject, Injectable } from '@nestjs/common';
import { DataSource, FindOptionsWhere, In, QueryFailedError } from 'typeorm';
import { Conflict } from '@kumo/common';
import { DomainEntity, GroupEntity, GroupMembershipEntity, ProjectEntity, UserEntity } from '../entities';

export const DATA_SOURCE = Symbol('DATA_SOURCE');

/** MySQL duplicate-key (1062) → Conflict with the given message; anything else is rethrown. */
export function rethrowDuplicate(err: unknown, message: string): never {
  if (err instanceof QueryFailedError && (err as unknown as { errno?: number }).errno === 1062) throw new Conflict(message);
  throw err;
}

/** Domains, projects, users and groups (Keystone's "resource" and "identity" backends). */
@Injectable()
export class ResourceRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  private get domains() {
    return this.ds.getRepository(DomainEntity);
  }
  private get projects() {
    return this.ds.getRepository(ProjectEntity);
  }
  private get users() {
    return this.ds.getRepository(UserEntity);
  }
  private get groups() {
    return this.ds.getRepository(GroupEntity);
  }
  private get memberships() {
    return this.ds.getRepository(GroupMembershipEntity);
  }

  // domains
  findDomain(id: string): Promise<DomainEntity | null> {
    return this.domains.findOneBy({ id });
  }
  findDomainByName(name: string): Promise<DomainEntity | null> {
    return this.domains.findOneBy({ name });
  }
  listDomains(where: FindOptionsWhere<DomainEntity> = {}): Promise<DomainEntity[]> {
    return this.domains.find({ where, order: { name: 'ASC' } });
  }
  listDomainsByIds(ids: string[]): Promise<DomainEntity[]> {
    return ids.length ? this.domains.find({ where: { id: In(ids) } }) : Promise.resolve([]);
  }
  async insertDomain(d: Omit<DomainEntity, 'createdAt'>): Promise<void> {
    try {
      await this.domains.insert(d);
    } catch (err) {
      rethrowDuplicate(err, `Conflict occurred attempting to store domain - Duplicate entry found with name ${d.name}.`);
    }
  }
  async updateDomain(id: string, patch: Partial<DomainEntity>): Promise<void> {
    try {
      await this.domains.update({ id }, patch);
    } catch (err) {
      rethrowDuplicate(err, `Conflict occurred attempting to store domain - Duplicate entry found with name ${patch.name}.`);
    }
  }
  /** Deletes a domain and everything in it (projects, users, groups, roles, their grants), in one transaction. */
  async deleteDomainCascade(id: string): Promise<void> {
    await this.ds.transaction(async (m) => {
      const projectIds = (await m.find(ProjectEntity, { where: { domainId: id }, select: { id: true } })).map((p) => p.id);
      const userIds = (await m.find(UserEntity, { where: { domainId: id }, select: { id: true } })).map((u) => u.id);
      const groupIds = (await m.find(GroupEntity, { where: { domainId: id }, select: { id: true } })).map((g) => g.id);
      const del = async (sql: string, ids: string[]) => {
        if (ids.length) await m.query(sql, [ids]);
      };
      await del("DELETE FROM role_assignment WHERE target_type = 'project' AND target_id IN (?)", projectIds);
      await del("DELETE FROM role_assignment WHERE actor_type = 'user' AND actor_id IN (?)", userIds);
      await del("DELETE FROM role_assignment WHERE actor_type = 'group' AND actor_id IN (?)", groupIds);
      await m.query("DELETE FROM role_assignment WHERE target_type = 'domain' AND target_id = ?", [id]);
      // its domain-specific roles, their grants anywhere (implied-role rules go by foreign key)
      await m.query('DELETE FROM role_assignment WHERE role_id IN (SELECT id FROM role WHERE domain_id = ?)', [id]);
      await m.query('DELETE FROM role WHERE domain_id = ?', [id]);
      await del('DELETE FROM group_membership WHERE user_id IN (?)', userIds);
      await del('DELETE FROM group_membership WHERE group_id IN (?)', groupIds);
      await del('DELETE FROM application_credential WHERE user_id IN (?)', userIds);
      await m.delete(ProjectEntity, { domainId: id });
      await m.delete(UserEntity, { domainId: id });
      await m.delete(GroupEntity, { domainId: id });
      await m.delete(DomainEntity, { id });
    });
  }

  // projects
  findProject(id: string): Promise<ProjectEntity | null> {
    return this.projects.findOneBy({ id });
  }
  findProjectByName(domainId: string, name: string): Promise<ProjectEntity | null> {
    return this.projects.findOneBy({ domainId, name });
  }
  listProjects(where: FindOptionsWhere<ProjectEntity> = {}): Promise<ProjectEntity[]> {
    return this.projects.find({ where, order: { name: 'ASC' } });
  }
  listProjectsByIds(ids: string[]): Promise<ProjectEntity[]> {
    return ids.length ? this.projects.find({ where: { id: In(ids) }, order: { name: 'ASC' } }) : Promise.resolve([]);
  }
  countChildren(id: string): Promise<number> {
    return this.projects.countBy({ parentId: id });
  }
  async insertProject(p: Omit<ProjectEntity, 'createdAt' | 'extra'> & { extra?: ProjectEntity['extra'] }): Promise<void> {
    try {
      await this.projects.insert({ extra: null, ...p });
    } catch (err) {
      rethrowDuplicate(err, `Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${p.name}.`);
    }
  }
  async updateProject(id: string, patch: Partial<ProjectEntity>): Promise<void> {
    try {
      await this.projects.update({ id }, patch);
    } catch (err) {
      rethrowDuplicate(err, `Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : ${patch.name}.`);
    }
  }
  async deleteProject(id: string): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.query("DELETE FROM role_assignment WHERE target_type = 'project' AND target_id = ?", [id]);
      await m.query('DELETE FROM application_credential WHERE project_id = ?', [id]);
      await m.delete(ProjectEntity, { id });
    });
  }

  // users
  findUser(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id });
  }
  findUserByName(domainId: string, name: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ domainId, name });
  }
  listUsers(where: FindOptionsWhere<UserEntity> = {}): Promise<UserEntity[]> {
    return this.users.find({ where, order: { name: 'ASC' } });
  }
  listUsersByIds(ids: string[]): Promise<UserEntity[]> {
    return ids.length ? this.users.find({ where: { id: In(ids) } }) : Promise.resolve([]);
  }
  async insertUser(u: Omit<UserEntity, 'createdAt' | 'failedAuthCount' | 'failedAuthAt'>): Promise<void> {
    try {
      await this.users.insert(u);
    } catch (err) {
      rethrowDuplicate(err, `Conflict occurred attempting to store user - Duplicate entry found with name ${u.name} at domain ID ${u.domainId}.`);
    }
  }
  async updateUser(id: string, patch: Partial<UserEntity>): Promise<void> {
    try {
      await this.users.update({ id }, patch);
    } catch (err) {
      rethrowDuplicate(err, `Conflict occurred attempting to store user - Duplicate entry found with name ${patch.name}.`);
    }
  }
  /** One more failed password check (atomic, so concurrent failures all count). */
  async recordFailedAuth(id: string, at: Date): Promise<void> {
    await this.ds.query('UPDATE `user` SET failed_auth_count = COALESCE(failed_auth_count, 0) + 1, failed_auth_at = ? WHERE id = ?', [at, id]);
  }
  async resetFailedAuth(id: string): Promise<void> {
    await this.users.update({ id }, { failedAuthCount: 0, failedAuthAt: null });
  }
  async deleteUser(id: string): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.query("DELETE FROM role_assignment WHERE actor_type = 'user' AND actor_id = ?", [id]);
      await m.query('DELETE FROM group_membership WHERE user_id = ?', [id]);
      await m.query('DELETE FROM application_credential WHERE user_id = ?', [id]);
      await m.delete(UserEntity, { id });
    });
  }

  // groups
  findGroup(id: string): Promise<GroupEntity | null> {
    return this.groups.findOneBy({ id });
  }
  listGroups(where: FindOptionsWhere<GroupEntity> = {}): Promise<GroupEntity[]> {
    return this.groups.find({ where, order: { name: 'ASC' } });
  }
  listGroupsByIds(ids: string[]): Promise<GroupEntity[]> {
    return ids.length ? this.groups.find({ where: { id: In(ids) } }) : Promise.resolve([]);
  }
  async insertGroup(g: GroupEntity): Promise<void> {
    try {
      await this.groups.insert(g);
    } catch (err) {
      rethrowDuplicate(err, `Conflict occurred attempting to store group - Duplicate entry found with name ${g.name}.`);
    }
  }
  async updateGroup(id: string, patch: Partial<GroupEntity>): Promise<void> {
    try {
      await this.groups.update({ id }, patch);
    } catch (err) {
      rethrowDuplicate(err, `Conflict occurred attempting to store group - Duplicate entry found with name ${patch.name}.`);
    }
  }
  async deleteGroup(id: string): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.query("DELETE FROM role_assignment WHERE actor_type = 'group' AND actor_id = ?", [id]);
      await m.query('DELETE FROM group_membership WHERE group_id = ?', [id]);
      await m.delete(GroupEntity, { id });
    });
  }
  async addMember(groupId: string, userId: string): Promise<void> {
    await this.memberships.upsert({ groupId, userId }, ['groupId', 'userId']);
  }
  async removeMember(groupId: string, userId: string): Promise<boolean> {
    const { affected } = await this.memberships.delete({ groupId, userId });
    return (affected ?? 0) > 0;
  }
  async isMember(groupId: string, userId: string): Promise<boolean> {
    return (await this.memberships.countBy({ groupId, userId })) > 0;
  }
  async groupIdsOfUser(userId: string): Promise<string[]> {
    return (await this.memberships.findBy({ userId })).map((m) => m.groupId);
  }
  async userIdsOfGroup(groupId: string): Promise<string[]> {
    return (await this.memberships.findBy({ groupId })).map((m) => m.userId);
  }
}
