import { Injectable } from '@nestjs/common';
import { DomainEntity } from '../db/entities';
import { AssignmentRepository } from '../db/repositories/assignment.repository';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { ListedAssignment } from '../services/grants.service';
import { IdentityViews } from './views';

type Json = Record<string, unknown>;

/** `GET /v3/role_assignments` entries, with names when `include_names` is given (osc's `--names`). */
@Injectable()
export class RoleAssignmentsView {
  constructor(
    private readonly views: IdentityViews,
    private readonly resources: ResourceRepository,
    private readonly roles: AssignmentRepository,
  ) {}

  async render(rows: ListedAssignment[], names: boolean): Promise<Json> {
    const domains = new Map<string, DomainEntity | null>();
    const domainOf = async (id: string): Promise<Json> => {
      if (!domains.has(id)) domains.set(id, await this.resources.findDomain(id));
      const d = domains.get(id);
      return { id, name: d?.name ?? id };
    };
    const roleIds = [...new Set(rows.map((r) => r.roleId))];
    const roleNames = new Map((await this.roles.listRolesByIds(roleIds)).map((r) => [r.id, r.name]));
    const users = new Map((await this.resources.listUsersByIds([...new Set(rows.filter((r) => r.actorType === 'user').map((r) => r.actorId))])).map((u) => [u.id, u]));
    const groups = new Map((await this.resources.listGroupsByIds([...new Set(rows.filter((r) => r.actorType === 'group').map((r) => r.actorId))])).map((g) => [g.id, g]));
    const projects = new Map((await this.resources.listProjectsByIds([...new Set(rows.filter((r) => r.targetType === 'project').map((r) => r.targetId))])).map((p) => [p.id, p]));

    const out: Json[] = [];
    for (const r of rows) {
      const entry: Json = {};
      if (r.targetType === 'project') {
        const p = projects.get(r.targetId);
        entry.scope = { project: names && p ? { id: p.id, name: p.name, domain: await domainOf(p.domainId) } : { id: r.targetId } };
      } else if (r.targetType === 'domain') {
        entry.scope = { domain: names ? await domainOf(r.targetId) : { id: r.targetId } };
      } else {
        entry.scope = { system: { all: true } };
      }
      if (r.actorType === 'user') {
        const u = users.get(r.actorId);
        entry.user = names && u ? { id: u.id, name: u.name, domain: await domainOf(u.domainId) } : { id: r.actorId };
      } else {
        const g = groups.get(r.actorId);
        entry.group = names && g ? { id: g.id, name: g.name, domain: await domainOf(g.domainId) } : { id: r.actorId };
      }
      entry.role = names ? { id: r.roleId, name: roleNames.get(r.roleId) ?? r.roleId } : { id: r.roleId };
      const scopePath = r.targetType === 'system' ? 'system' : `${r.targetType}s/${r.targetId}`;
      const actorPath = r.viaGroupId ? `groups/${r.viaGroupId}` : `${r.actorType}s/${r.actorId}`;
      entry.links = { assignment: this.views.url(`${scopePath}/${actorPath}/roles/${r.roleId}`) };
      if (r.viaGroupId) (entry.links as Json).membership = this.views.url(`groups/${r.viaGroupId}/users/${r.actorId}`);
      out.push(entry);
    }
    return this.views.list('role_assignments', out, 'role_assignments');
  }
}
