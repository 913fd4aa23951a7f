import { Controller, Get, Query } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { GrantsService } from '../../services/grants.service';
import { RoleAssignmentsView } from './role-assignments.view';
import { roleAssignmentsQuery } from './role-assignments.schema';

/** `GET /v3/role_assignments` (filters, `effective`, `include_names`). */
@Controller('v3/role_assignments')
export class RoleAssignmentsController {
  constructor(
    private readonly grants: GrantsService,
    private readonly view: RoleAssignmentsView,
  ) {}

  @Get()
  async list(@Auth() auth: AuthContext, @Query() query: unknown): Promise<unknown> {
    return this.view.render(await this.grants.list(auth, roleAssignmentsQuery.parse(query ?? {})));
  }
}
