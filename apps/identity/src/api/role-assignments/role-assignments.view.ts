import { Injectable } from '@nestjs/common';
import { AssignmentListing, AssignmentNames, ListedAssignment, NamedRef } from '../../services/grants.service';
import { ApiLinks } from '../links';

type Json = Record<string, unknown>;

/**
 * `GET /v3/role_assignments` entries: `{scope, user|group, role, links}`; with names (osc's
 * `--names`) users, groups and projects carry `name` and `domain{id,name}`, domains and roles `name`.
 */
@Injectable()
export class RoleAssignmentsView {
  constructor(private readonly links: ApiLinks) {}

  render(listing: AssignmentListing): Json {
    return this.links.list(
      'role_assignments',
      listing.assignments.map((a) => this.entry(a, listing.names)),
      'role_assignments',
    );
  }

  private entry(a: ListedAssignment, names?: AssignmentNames): Json {
    const ref = (map: Map<string, NamedRef> | undefined, id: string, withDomain: boolean): Json => {
      if (!names) return { id };
      const found = map?.get(id);
      // a reference that vanished meanwhile still has the keys clients index
      return { ...(found ?? { id, name: id }), ...(withDomain && !found?.domain ? { domain: { id: '', name: '' } } : {}) };
    };
    const entry: Json = {};
    if (a.targetType === 'project') entry.scope = { project: ref(names?.projects, a.targetId, true) };
    else if (a.targetType === 'domain') entry.scope = { domain: ref(names?.domains, a.targetId, false) };
    else entry.scope = { system: { all: true } };
    if (a.actorType === 'user') entry.user = ref(names?.users, a.actorId, true);
    else entry.group = ref(names?.groups, a.actorId, true);
    entry.role = ref(names?.roles, a.roleId, false);

    const scopePath = a.targetType === 'system' ? 'system' : `${a.targetType}s/${a.targetId}`;
    const actorPath = a.viaGroupId ? `groups/${a.viaGroupId}` : `${a.actorType}s/${a.actorId}`;
    const links: Json = { assignment: this.links.url(`${scopePath}/${actorPath}/roles/${a.grantedRoleId ?? a.roleId}`) };
    if (a.viaGroupId) links.membership = this.links.url(`groups/${a.viaGroupId}/users/${a.actorId}`);
    if (a.priorRoleId) links.prior_role = this.links.url(`roles/${a.priorRoleId}`);
    entry.links = links;
    return entry;
  }
}
