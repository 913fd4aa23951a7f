import { z } from 'zod';
import type { AssignmentQuery } from '../../services/grants.service';
import { flagQuery } from '../validation';

const one = z.string().optional();

/** The query of GET /v3/role_assignments (each filter at most once). */
export const roleAssignmentsQuery = z
  .object({
    'user.id': one,
    'group.id': one,
    'role.id': one,
    'scope.project.id': one,
    'scope.domain.id': one,
    'scope.system': one,
    effective: one,
    include_names: one,
  })
  .passthrough()
  .transform(
    (q): AssignmentQuery => ({
      userId: q['user.id'] || undefined,
      groupId: q['group.id'] || undefined,
      roleId: q['role.id'] || undefined,
      projectId: q['scope.project.id'] || undefined,
      domainId: q['scope.domain.id'] || undefined,
      // OSC sends scope.system=all; `false` or `0` mean no filter
      system: q['scope.system'] !== undefined && !['false', '0', 'no'].includes(q['scope.system'].toLowerCase()),
      effective: flagQuery(q.effective, 'effective'),
      includeNames: flagQuery(q.include_names, 'include_names'),
    }),
  );
