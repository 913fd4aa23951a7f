import { Injectable } from '@nestjs/common';
import { NotFound } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { ActorType, RoleAssignmentEntity, RoleEntity, TargetType } from '../db/entities';
import { AssignmentRepository } from '../db/repositories/assignment.repository';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { ChangeFeed } from './events';
import { RevocationService } from './revocation.service';

export interface GrantRef {
  actorType: ActorType;
  actorId: string;
  targetType: TargetType;
  targetId: string;
}

export interface AssignmentQuery {
  userId?: string;
  groupId?: string;
  roleId?: string;
  projectId?: string;
  domainId?: string;
  system?: boolean;
  effective?: boolean;
}

/** An assignment as listed: a grant, possibly inherited from a group membership (effective listing). */
export interface ListedAssignment extends RoleAssignmentEntity {
  viaGroupId?: string;
}

/** Role grants on projects, domains and the system, and the role_assignments listing. */
@Injectable()
export class GrantsService {
  constructor(
    private readonly assignments: AssignmentRepository,
    private readonly resources: ResourceRepository,
    private readonly policy: PolicyEnforcer,
    private readonly revocations: RevocationService,
    private readonly changes: ChangeFeed,
  ) {}

  private async check(ref: GrantRef, roleId?: string): Promise<void> {
    if (ref.actorType === 'user' && !(await this.resources.findUser(ref.actorId))) throw new NotFound(`Could not find user: ${ref.actorId}.`);
    if (ref.actorType === 'group' && !(await this.resources.findGroup(ref.actorId))) throw new NotFound(`Could not find group: ${ref.actorId}.`);
    if (ref.targetType === 'project' && !(await this.resources.findProject(ref.targetId))) throw new NotFound(`Could not find project: ${ref.targetId}.`);
    if (ref.targetType === 'domain' && !(await this.resources.findDomain(ref.targetId))) throw new NotFound(`Could not find domain: ${ref.targetId}.`);
    if (roleId !== undefined && !(await this.assignments.findRole(roleId))) throw new NotFound(`Could not find role: ${roleId}.`);
  }

  async grant(auth: AuthContext, ref: GrantRef, roleId: string): Promise<void> {
    this.policy.enforce('identity:create_grant', auth);
    await this.check(ref, roleId);
    await this.assignments.grant({ ...ref, roleId });
    this.changes.changed();
  }

  async checkGrant(auth: AuthContext, ref: GrantRef, roleId: string): Promise<void> {
    this.policy.enforce('identity:check_grant', auth);
    await this.check(ref, roleId);
    if (!(await this.assignments.exists({ ...ref, roleId }))) {
      throw new NotFound(`Could not find role assignment with role: ${roleId}, ${ref.actorType}: ${ref.actorId}, ${ref.targetType}: ${ref.targetId}.`);
    }
  }

  /** Removing a grant revokes the tokens it empowered (for a group: each member's). */
  async revoke(auth: AuthContext, ref: GrantRef, roleId: string): Promise<void> {
    this.policy.enforce('identity:revoke_grant', auth);
    await this.check(ref, roleId);
    if (!(await this.assignments.revoke({ ...ref, roleId }))) {
      throw new NotFound(`Could not find role assignment with role: ${roleId}, ${ref.actorType}: ${ref.actorId}, ${ref.targetType}: ${ref.targetId}.`);
    }
    const users = ref.actorType === 'user' ? [ref.actorId] : await this.resources.userIdsOfGroup(ref.actorId);
    for (const userId of users) {
      if (ref.targetType === 'project') await this.revocations.revoke({ userId, projectId: ref.targetId });
      else if (ref.targetType === 'domain') await this.revocations.revoke({ userId, domainId: ref.targetId });
      else await this.revocations.revoke({ userId });
    }
    this.changes.changed();
  }

  async listRoles(auth: AuthContext, ref: GrantRef): Promise<RoleEntity[]> {
    this.policy.enforce('identity:list_grants', auth);
    await this.check(ref);
    const grants = await this.assignments.list({ actorType: ref.actorType, actorIds: [ref.actorId], targetType: ref.targetType, targetId: ref.targetId });
    return this.assignments.listRolesByIds(grants.map((g) => g.roleId));
  }

  /** GET /v3/role_assignments. */
  async list(auth: AuthContext, q: AssignmentQuery): Promise<ListedAssignment[]> {
    this.policy.enforce('identity:list_role_assignments', auth);
    const targetType: TargetType | undefined = q.projectId ? 'project' : q.domainId ? 'domain' : q.system ? 'system' : undefined;
    const targetId = q.projectId ?? q.domainId ?? (q.system ? 'all' : undefined);
    const base = { targetType, targetId, roleId: q.roleId };
    if (!q.effective) {
      let rows: ListedAssignment[];
      if (q.userId) rows = await this.assignments.list({ ...base, actorType: 'user', actorIds: [q.userId] });
      else if (q.groupId) rows = await this.assignments.list({ ...base, actorType: 'group', actorIds: [q.groupId] });
      else rows = await this.assignments.list(base);
      return rows;
    }
    // effective: group grants expanded into one entry per member; group entries themselves dropped
    const direct = await this.assignments.list({ ...base, actorType: 'user', ...(q.userId ? { actorIds: [q.userId] } : {}) });
    const groupIds = q.userId ? await this.resources.groupIdsOfUser(q.userId) : q.groupId ? [q.groupId] : undefined;
    const groupGrants = await this.assignments.list({ ...base, actorType: 'group', ...(groupIds ? { actorIds: groupIds } : {}) });
    const expanded: ListedAssignment[] = [];
    for (const g of groupGrants) {
      for (const userId of await this.resources.userIdsOfGroup(g.actorId)) {
        if (q.userId && userId !== q.userId) continue;
        expanded.push({ ...g, actorType: 'user', actorId: userId, viaGroupId: g.actorId });
      }
    }
    return q.groupId && !q.userId ? expanded : [...direct, ...expanded];
  }
}
