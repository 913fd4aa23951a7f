import { Inject, Injectable } from '@nestjs/common';
import { DataSource, FindOptionsWhere, In } from 'typeorm';
import { ActorType, RoleAssignmentEntity, RoleEntity, TargetType } from '../entities';
import { DATA_SOURCE, rethrowDuplicate } from './resource.repository';

export interface AssignmentFilter {
  actorType?: ActorType;
  actorIds?: string[];
  targetType?: TargetType;
  targetId?: string;
  roleId?: string;
}

/** Roles and role assignments (grants). */
@Injectable()
export class AssignmentRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  private get roles() {
    return this.ds.getRepository(RoleEntity);
  }
  private get grants() {
    return this.ds.getRepository(RoleAssignmentEntity);
  }

  findRole(id: string): Promise<RoleEntity | null> {
    return this.roles.findOneBy({ id });
  }
  findRoleByName(name: string): Promise<RoleEntity | null> {
    return this.roles.findOneBy({ name });
  }
  listRoles(where: FindOptionsWhere<RoleEntity> = {}): Promise<RoleEntity[]> {
    return this.roles.find({ where, order: { name: 'ASC' } });
  }
  listRolesByIds(ids: string[]): Promise<RoleEntity[]> {
    return ids.length ? this.roles.find({ where: { id: In(ids) } }) : Promise.resolve([]);
  }
  async insertRole(r: RoleEntity): Promise<void> {
    try {
      await this.roles.insert(r);
    } catch (err) {
      rethrowDuplicate(err, `Conflict occurred attempting to store role - Duplicate entry found with name ${r.name}.`);
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
