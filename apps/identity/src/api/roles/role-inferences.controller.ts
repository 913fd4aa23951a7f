import { Controller, Get } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { ImpliedRolesService } from '../../services/implied-roles.service';
import { IdentityViews } from '../views';

/** `GET /v3/role_inferences`: every implied-role rule. */
@Controller('v3/role_inferences')
export class RoleInferencesController {
  constructor(
    private readonly implied: ImpliedRolesService,
    private readonly views: IdentityViews,
  ) {}

  @Get()
  async list(@Auth() auth: AuthContext): Promise<unknown> {
    const rules = await this.implied.all(auth);
    return { role_inferences: rules.map((r) => this.views.roleInference(r).role_inference), links: { self: this.views.url('role_inferences'), previous: null, next: null } };
  }
}
