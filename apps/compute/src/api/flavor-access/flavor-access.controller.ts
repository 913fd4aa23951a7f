import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { FlavorAccessService } from '../../services/flavor-access.service';
import { parseFlavorAction } from './flavor-access.schema';
import { flavorAccessView } from './flavor-access.view';

/** Private flavors' access lists: `GET /flavors/{id}/os-flavor-access` and the tenant access actions. */
@Controller('v2.1/flavors/:id')
export class FlavorAccessController {
  constructor(private readonly access: FlavorAccessService) {}

  @Get('os-flavor-access')
  async list(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    const { flavor, projects } = await this.access.list(auth, id);
    return flavorAccessView(flavor.flavorid, projects);
  }

  @Post('action')
  @HttpCode(200)
  async action(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    const { action, tenant } = parseFlavorAction(body);
    const { flavor, projects } = action === 'addTenantAccess' ? await this.access.add(auth, id, tenant) : await this.access.remove(auth, id, tenant);
    return flavorAccessView(flavor.flavorid, projects);
  }
}
