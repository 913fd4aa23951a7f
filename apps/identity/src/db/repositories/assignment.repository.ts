import { Inject, Injectable } from '@nestjs/common';
import { DataSource, FindOptionsWhere, In, IsNull, Not } from 'typeorm';
import { ActorType, ImpliedRoleEntity, RoleAssignmentEntity, RoleEntity, TargetType } from '../entities';
import { DATA_SOURCE, rethrowDuplicate } from './resource.repository';

export interface AssignmentFilter {
  actorType?: ActorType;
  actorIds?: string[];
  targetType?: TargetType;
  targetId?: string;
  roleId?: string;
}

/** Roles, implied-role rules and role assignments (grants). */
@Injectable()
export class AssignmentRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  private get roles() {
    return this.ds.getRepository(RoleEntity);
  }
  private get grants() {
    return this.ds.getRepository(RoleAssignmentEntity);
  }
  private get implications() {
    return this.ds.getRepository(ImpliedRoleEntity);
  }

  findRole(id: string): Promise<RoleEntity | null> {
    return this.roles.findOneBy({ id });
  }
  /** A global role by name, or with `domainId` a role of that domain. */
  findRoleByName(name: string, domainId: string | null = null): Promise<RoleEntity | null> {
    return this.roles.findOneBy({ name, domainId: domainId ?? IsNull() });
  }
  listRoles(where: FindOptionsWhere<RoleEntity> = {}): Promise<RoleEntity[]> {
    return this.roles.find({ where, order: { name: 'ASC' } });
  }
  /** Global roles (`domainId` null) or those of one domain. */
  listRolesIn(domainId: string | null, where: FindOptionsWhere<RoleEntity> = {}): Promise<RoleEntity[]> {
    return this.roles.find({ where: { ...where, domainId: domainId ?? IsNull() }, order: { name: 'ASC' } });
  }
  async listDomainRoleIds(): Promise<string[]> {
    return (await this.roles.find({ where: { domainId: Not(IsNull()) }, select: { id: true } })).map((r) => r.id);
  }
  listRolesByIds(ids: string[]): Promise<RoleEntity[]> {
    return ids.length ? this.roles.find({ where: { id: In(ids) } }) : Promise.resolve([]);
  }
  async insertRole(r: RoleEntity): Promise<void> {
    try {
      await this.roles.insert(r);
    } catch (err) {
      rethrowDuplicate(err, `Conflict occurred attempting to store role - Duplicate entry found with name ${r.name}${r.domainId ? ` at domain ID ${r.domainId}` : ''}.`);
    }
  }
  async updateRole(id: string, patch: Partial<RoleEntity>): Promise<void> {
    try {
      await this.roles.update({ id }, patch);
    } catch (err) {
      rethrowDuplicate(err, `Conflict occurred attempting to store role - Duplicate entry found with name ${patch.name}.`);
    }
  }
  async deleteRole(id: string): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.delete(RoleAssignmentEntity, { roleId: id });
      await m.delete(RoleEntity, { id });
    });
  }

  // implied roles (a handful of rows: read whole)
  listImpliedRules(priorRoleId?: string): Promise<ImpliedRoleEntity[]> {
    return this.implications.find({ where: priorRoleId !== undefined ? { priorRoleId } : {}, order: { priorRoleId: 'ASC', impliedRoleId: 'ASC' } });
  }
  async impliedRuleExists(priorRoleId: string, impliedRoleId: string): Promise<boolean> {
    return (await this.implications.countBy({ priorRoleId, impliedRoleId })) > 0;
  }
  async insertImpliedRule(priorRoleId: string, impliedRoleId: string): Promise<void> {
    try {
      await this.implications.insert({ priorRoleId, impliedRoleId });
    } catch (err) {
      rethrowDuplicate(err, 'Conflict occurred attempting to store implied_role - Duplicate entry.');
    }
  }
  async deleteImpliedRule(priorRoleId: string, impliedRoleId: string): Promise<boolean> {
    const { affected } = await this.implications.delete({ priorRoleId, impliedRoleId });
    return (affected ?? 0) > 0;
  }

  async grant(a: RoleAssignmentEntity): Promise<void> {
    await this.grants.upsert(a, ['actorType', 'actorId', 'targetType', 'targetId', 'roleId']);
  }
  async revoke(a: RoleAssignmentEntity): Promise<boolean> {
    const { affected } = await this.grants.delete(a);
    return (affected ?? 0) > 0;
  }
  async exists(a: RoleAssignmentEntity): Promise<boolean> {
    return (await this.grants.countBy(a)) > 0;
  }
  list(f: AssignmentFilter): Promise<RoleAssignmentEntity[]> {
    if (f.actorIds && f.actorIds.length === 0) return Promise.resolve([]);
    const where: FindOptionsWhere<RoleAssignmentEntity> = {};
    if (f.actorType) where.actorType = f.actorType;
    if (f.actorIds) where.actorId = In(f.actorIds);
    if (f.targetType) where.targetType = f.targetType;
    if (f.targetId) where.targetId = f.targetId;
    if (f.roleId) where.roleId = f.roleId;
    return this.grants.find({ where });
  }
}
