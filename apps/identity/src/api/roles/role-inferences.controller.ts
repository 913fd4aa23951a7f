import { Controller, Get } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { ImpliedRolesService } from '../../services/implied-roles.service';
import { ApiLinks } from '../links';
import { roleInferenceView } from './roles.view';

/** `GET /v3/role_inferences`: every implied-role rule. */
@Controller('v3/role_inferences')
export class RoleInferencesController {
  constructor(
    private readonly implied: ImpliedRolesService,
    private readonly links: ApiLinks,
  ) {}

  @Get()
  async list(@Auth() auth: AuthContext): Promise<unknown> {
    const rules = await this.implied.all(auth);
    return { role_inferences: rules.map((r) => roleInferenceView(this.links, r).role_inference), links: { self: this.links.url('role_inferences'), previous: null, next: null } };
  }
}
