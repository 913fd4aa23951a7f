import { Injectable } from '@nestjs/common';
import { RoleEntity, TargetType } from '../db/entities';
import { AssignmentRepository } from '../db/repositories/assignment.repository';
import { ResourceRepository } from '../db/repositories/resource.repository';

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

  /**
   * The roles a token carries: the effective ones plus the roles they imply, without the
   * domain-specific ones (they only imply others, as Keystone's _strip_domain_roles), by name.
   */
  async tokenRoles(userId: string, targetType: TargetType, targetId: string): Promise<RoleEntity[]> {
    const ids = await this.effectiveRoleIds(userId, targetType, targetId);
    return this.forToken(await this.assignments.listRolesByIds(ids));
  }

  /** What a token carries for these roles (their implied roles added, domain-specific ones dropped). */
  async forToken(roles: RoleEntity[]): Promise<RoleEntity[]> {
    return (await this.withImplied(roles)).filter((r) => r.domainId === null);
  }

  /** The roles plus every role they imply through the stored rules (a cycle is walked once), sorted by name. */
  async withImplied(roles: RoleEntity[]): Promise<RoleEntity[]> {
    const implies = await this.impliedRoleMap();
    const ids = new Set(roles.map((r) => r.id));
    const queue = [...ids];
    while (queue.length) {
      for (const implied of implies.get(queue.pop()!) ?? []) {
        if (!ids.has(implied)) {
          ids.add(implied);
          queue.push(implied);
        }
      }
    }
    const extra = await this.assignments.listRolesByIds([...ids].filter((id) => !roles.some((r) => r.id === id)));
    return [...roles, ...extra].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** prior role id → the ids of the roles it implies. */
  async impliedRoleMap(): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    for (const rule of await this.assignments.listImpliedRules()) {
      const list = map.get(rule.priorRoleId);
      if (list) list.push(rule.impliedRoleId);
      else map.set(rule.priorRoleId, [rule.impliedRoleId]);
    }
    return map;
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
