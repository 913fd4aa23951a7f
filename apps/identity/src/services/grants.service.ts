import { Injectable } from '@nestjs/common';
import { BadRequest, Forbidden, NotFound } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { ActorType, RoleAssignmentEntity, RoleEntity, TargetType } from '../db/entities';
import { AssignmentRepository } from '../db/repositories/assignment.repository';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { AssignmentService } from './assignment.service';
import { ChangeFeed } from './events';
import { Revocation, RevocationService } from './revocation.service';

/** Who holds a grant on what: `/v3/{projects|domains}/{t}/{users|groups}/{a}` or `/v3/system/{users|groups}/{a}`. */
export interface GrantRef {
  actorType: ActorType;
  actorId: string;
  targetType: TargetType;
  /** `all` for the system. */
  targetId: string;
}

/** The filters of GET /v3/role_assignments. */
export interface AssignmentQuery {
  userId?: string;
  groupId?: string;
  roleId?: string;
  projectId?: string;
  domainId?: string;
  system?: boolean;
  /** Group grants expanded into their members' entries, implied roles added, group entries dropped. */
  effective?: boolean;
  /** Resolve the names of users, groups, projects, domains and roles. */
  includeNames?: boolean;
}

/** One listed assignment: a grant, or (effective) what a grant gives a user. */
export interface ListedAssignment extends RoleAssignmentEntity {
  /** Effective listing: the group whose grant gives the user this role. */
  viaGroupId?: string;
  /** Effective listing: the role that implies this one. */
  priorRoleId?: string;
  /** The role actually granted (the assignment link points at it). */
  grantedRoleId?: string;
}

export interface NamedRef {
  id: string;
  name: string;
  domain?: { id: string; name: string };
}

/** Names for `include_names`, by id. */
export interface AssignmentNames {
  users: Map<string, NamedRef>;
  groups: Map<string, NamedRef>;
  projects: Map<string, NamedRef>;
  domains: Map<string, NamedRef>;
  roles: Map<string, NamedRef>;
}

export interface AssignmentListing {
  assignments: ListedAssignment[];
  names?: AssignmentNames;
}

/** The revocation that removing a grant calls for: the user's tokens on that target. */
export function grantRevocation(userId: string, grant: Pick<RoleAssignmentEntity, 'targetType' | 'targetId'>): Revocation {
  if (grant.targetType === 'project') return { userId, projectId: grant.targetId };
  if (grant.targetType === 'domain') return { userId, domainId: grant.targetId };
  return { userId };
}

/** Role grants on projects, domains and the system, and the role_assignments listing. */
@Injectable()
export class GrantsService {
  constructor(
    private readonly assignments: AssignmentRepository,
    private readonly resources: ResourceRepository,
    private readonly implied: AssignmentService,
    private readonly policy: PolicyEnforcer,
    private readonly revocations: RevocationService,
    private readonly changes: ChangeFeed,
  ) {}

  /** PUT: idempotent; cached validations are refreshed so new tokens' roles include it. */
  async grant(auth: AuthContext, ref: GrantRef, roleId: string): Promise<void> {
    this.policy.enforce('identity:create_grant', auth);
    await this.checkParts(ref, roleId);
    const role = await this.assignments.findRole(roleId);
    if (role?.domainId && ref.targetType === 'project' && (await this.resources.findProject(ref.targetId))?.domainId !== role.domainId) {
      throw new Forbidden(`Project ${ref.targetId} must be in the same domain as the role ${roleId} being assigned.`);
    }
    await this.assignments.grant({ ...ref, roleId });
    this.changes.changed();
  }

  /** GET/HEAD: resolves when the grant exists. */
  async checkGrant(auth: AuthContext, ref: GrantRef, roleId: string): Promise<void> {
    this.policy.enforce('identity:check_grant', auth);
    await this.checkParts(ref, roleId);
    if (!(await this.assignments.exists({ ...ref, roleId }))) throw this.grantNotFound(ref, roleId);
  }

  /** DELETE: revokes the tokens the grant empowered (for a group: each member's). */
  async revoke(auth: AuthContext, ref: GrantRef, roleId: string): Promise<void> {
    this.policy.enforce('identity:revoke_grant', auth);
    await this.checkParts(ref, roleId);
    if (!(await this.assignments.revoke({ ...ref, roleId }))) throw this.grantNotFound(ref, roleId);
    const users = ref.actorType === 'user' ? [ref.actorId] : await this.resources.userIdsOfGroup(ref.actorId);
    for (const userId of users) await this.revocations.revoke(grantRevocation(userId, ref));
    this.changes.changed();
  }

  /** GET .../roles: the roles granted directly to the actor on the target. */
  async listRoles(auth: AuthContext, ref: GrantRef): Promise<RoleEntity[]> {
    this.policy.enforce('identity:list_grants', auth);
    await this.checkParts(ref);
    const grants = await this.assignments.list({ actorType: ref.actorType, actorIds: [ref.actorId], targetType: ref.targetType, targetId: ref.targetId });
    return this.assignments.listRolesByIds(grants.map((g) => g.roleId));
  }

  /** GET /v3/role_assignments. */
  async list(auth: AuthContext, q: AssignmentQuery): Promise<AssignmentListing> {
    this.policy.enforce('identity:list_role_assignments', auth);
    if (q.projectId && q.domainId) throw new BadRequest('Specify a domain or project, not both');
    if (q.system && q.domainId) throw new BadRequest('Specify system or domain, not both');
    if (q.system && q.projectId) throw new BadRequest('Specify system or project, not both');
    if (q.userId && q.groupId) throw new BadRequest('Specify a user or group, not both');
    if (q.effective && q.groupId) throw new BadRequest('Combining effective and group filter will always result in an empty list.');
    const assignments = q.effective ? await this.effective(q) : await this.direct(q);
    return { assignments, names: q.includeNames ? await this.names(assignments) : undefined };
  }

  private target(q: AssignmentQuery): { targetType?: TargetType; targetId?: string } {
    if (q.projectId) return { targetType: 'project', targetId: q.projectId };
    if (q.domainId) return { targetType: 'domain', targetId: q.domainId };
    if (q.system) return { targetType: 'system', targetId: 'all' };
    return {};
  }

  private direct(q: AssignmentQuery): Promise<ListedAssignment[]> {
    const base = { ...this.target(q), roleId: q.roleId };
    if (q.userId) return this.assignments.list({ ...base, actorType: 'user', actorIds: [q.userId] });
    if (q.groupId) return this.assignments.list({ ...base, actorType: 'group', actorIds: [q.groupId] });
    return this.assignments.list(base);
  }

  /**
   * Keystone's effective mode: a user's own grants, plus one entry per member for each group
   * grant (links.membership), plus the roles each of those implies (links.prior_role); the
   * role filter applies to the result. Duplicates (same user, target and role) are listed once.
   */
  private async effective(q: AssignmentQuery): Promise<ListedAssignment[]> {
    const base = this.target(q);
    const direct = await this.assignments.list({ ...base, actorType: 'user', ...(q.userId ? { actorIds: [q.userId] } : {}) });
    const groupIds = q.userId ? await this.resources.groupIdsOfUser(q.userId) : undefined;
    const groupGrants = await this.assignments.list({ ...base, actorType: 'group', ...(groupIds ? { actorIds: groupIds } : {}) });
    const expanded: ListedAssignment[] = [...direct];
    for (const g of groupGrants) {
      for (const userId of await this.resources.userIdsOfGroup(g.actorId)) {
        if (q.userId && userId !== q.userId) continue;
        expanded.push({ ...g, actorType: 'user', actorId: userId, viaGroupId: g.actorId });
      }
    }
    const withImplied = await this.addImplied(expanded);
    const seen = new Set<string>();
    return withImplied.filter((a) => {
      const key = `${a.actorId}/${a.targetType}/${a.targetId}/${a.roleId}`;
      if (seen.has(key) || (q.roleId !== undefined && a.roleId !== q.roleId)) return false;
      seen.add(key);
      return true;
    });
  }

  /** Each row plus the roles its role implies (naming the prior role); rows of domain-specific roles are dropped (Keystone). */
  private async addImplied(rows: ListedAssignment[]): Promise<ListedAssignment[]> {
    const implies = await this.implied.impliedRoleMap();
    const domainRoles = new Set(await this.assignments.listDomainRoleIds());
    const out: ListedAssignment[] = [];
    for (const row of rows) {
      out.push(row);
      // breadth-first through the implications, each entry naming the role that implies it
      const queue = [row.roleId];
      const done = new Set<string>([row.roleId]);
      while (queue.length) {
        const prior = queue.shift()!;
        for (const impliedId of implies.get(prior) ?? []) {
          if (done.has(impliedId)) continue;
          done.add(impliedId);
          out.push({ ...row, roleId: impliedId, priorRoleId: prior, grantedRoleId: row.roleId });
          queue.push(impliedId);
        }
      }
    }
    return out.filter((a) => !domainRoles.has(a.roleId));
  }

  private async names(rows: ListedAssignment[]): Promise<AssignmentNames> {
    const ids = (pick: (a: ListedAssignment) => string | undefined) => [...new Set(rows.map(pick).filter((x): x is string => x !== undefined))];
    const [users, groups, projects, roles] = await Promise.all([
      this.resources.listUsersByIds(ids((a) => (a.actorType === 'user' ? a.actorId : undefined))),
      this.resources.listGroupsByIds(ids((a) => (a.actorType === 'group' ? a.actorId : undefined))),
      this.resources.listProjectsByIds(ids((a) => (a.targetType === 'project' ? a.targetId : undefined))),
      this.assignments.listRolesByIds(ids((a) => a.roleId)),
    ]);
    const domainIds = new Set([...users, ...groups, ...projects].map((x) => x.domainId));
    for (const a of rows) if (a.targetType === 'domain') domainIds.add(a.targetId);
    const domainList = await this.resources.listDomainsByIds([...domainIds]);
    const domains = new Map<string, NamedRef>(domainList.map((d) => [d.id, { id: d.id, name: d.name }]));
    const domainRef = (id: string) => domains.get(id) ?? { id, name: id };
    const named = (x: { id: string; name: string; domainId: string }): [string, NamedRef] => [x.id, { id: x.id, name: x.name, domain: domainRef(x.domainId) }];
    return {
      users: new Map(users.map(named)),
      groups: new Map(groups.map(named)),
      projects: new Map(projects.map(named)),
      domains,
      roles: new Map(roles.map((r) => [r.id, { id: r.id, name: r.name }])),
    };
  }

  /** 404 for the first part of the grant that does not exist (the role first, as Keystone). */
  private async checkParts(ref: GrantRef, roleId?: string): Promise<void> {
    if (roleId !== undefined && !(await this.assignments.findRole(roleId))) throw new NotFound(`Could not find role: ${roleId}.`);
    if (ref.actorType === 'user' && !(await this.resources.findUser(ref.actorId))) throw new NotFound(`Could not find user: ${ref.actorId}.`);
    if (ref.actorType === 'group' && !(await this.resources.findGroup(ref.actorId))) throw new NotFound(`Could not find group: ${ref.actorId}.`);
    if (ref.targetType === 'project' && !(await this.resources.findProject(ref.targetId))) throw new NotFound(`Could not find project: ${ref.targetId}.`);
    if (ref.targetType === 'domain' && !(await this.resources.findDomain(ref.targetId))) throw new NotFound(`Could not find domain: ${ref.targetId}.`);
  }

  private grantNotFound(ref: GrantRef, roleId: string): NotFound {
    return new NotFound(`Could not find role assignment with role: ${roleId}, user or group: ${ref.actorId}, project, domain, or system: ${ref.targetId}.`);
  }
}
