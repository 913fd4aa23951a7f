import { Injectable } from '@nestjs/common';
import { RoleEntity, TargetType } from '../db/entities';
import { AssignmentRepository } from '../db/repositories/assignment.repository';
import { ResourceRepository } from '../db/repositories/resource.repository';

/** The default roles imply each other (Keystone bootstrap's implied roles): admin ⇒ member ⇒ reader. */
export const IMPLIED_ROLES: Record<string, string[]> = { admin: ['member'], member: ['reader'] };

/** Effective roles: the user's own grants plus those of the groups it belongs to. */
@Injectable()
export class AssignmentService {
  constructor(
    private readonly assignments: AssignmentRepository,
    private readonly resources: ResourceRepository,
  ) {}

  /** Role ids granted to the user (directly or through groups) on the target. */
  async effectiveRoleIds(userId: string, targetType: TargetType, targetId: string): Promise<string[]> {
    const groupIds = await this.resources.groupIdsOfUser(userId);
    const [direct, viaGroups] = await Promise.all([
      this.assignments.list({ actorType: 'user', actorIds: [userId], targetType, targetId }),
      this.assignments.list({ actorType: 'group', actorIds: groupIds, targetType, targetId }),
    ]);
    return [...new Set([...direct, ...viaGroups].map((a) => a.roleId))];
  }

  /** The roles a token carries: the effective ones plus the roles they imply, sorted by name. */
  async tokenRoles(userId: string, targetType: TargetType, targetId: string): Promise<RoleEntity[]> {
    const ids = await this.effectiveRoleIds(userId, targetType, targetId);
    return this.withImplied(await this.assignments.listRolesByIds(ids));
  }

  async withImplied(roles: RoleEntity[]): Promise<RoleEntity[]> {
    const names = new Set(roles.map((r) => r.name));
    const queue = [...names];
    while (queue.length) {
      for (const implied of IMPLIED_ROLES[queue.pop()!] ?? []) {
        if (!names.has(implied)) {
          names.add(implied);
          queue.push(implied);
        }
      }
    }
    const extra = [...names].filter((n) => !roles.some((r) => r.name === n));
    const found = await Promise.all(extra.map((n) => this.assignments.findRoleByName(n)));
    return [...roles, ...found.filter((r): r is RoleEntity => r !== null)].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Projects where the user has at least one effective role. */
  async projectIdsOfUser(userId: string): Promise<string[]> {
    return this.targetIdsOfUser(userId, 'project');
  }

  async targetIdsOfUser(userId: string, targetType: TargetType): Promise<string[]> {
    const groupIds = await this.resources.groupIdsOfUser(userId);
    const [direct, viaGroups] = await Promise.all([
      this.assignments.list({ actorType: 'user', actorIds: [userId], targetType }),
      this.assignments.list({ actorType: 'group', actorIds: groupIds, targetType }),
    ]);
    return [...new Set([...direct, ...viaGroups].map((a) => a.targetId))];
  }
}
