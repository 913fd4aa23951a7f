import { Body, Controller, Delete, Get, Head, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { ImpliedRolesService } from '../../services/implied-roles.service';
import { RolesService } from '../../services/roles.service';
import { parseBody } from '../validation';
import { ApiLinks } from '../links';
import { roleInferenceView, roleView } from './roles.view';
import { roleCreate, roleUpdate } from './roles.schema';
import { QueryParam } from '../query-param';

/** `/v3/roles` and implied roles (`/v3/roles/{prior}/implies[/{implied}]`). */
@Controller('v3/roles')
export class RolesController {
  constructor(
    private readonly roles: RolesService,
    private readonly implied: ImpliedRolesService,
    private readonly links: ApiLinks,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return { role: roleView(this.links, await this.roles.create(auth, parseBody(roleCreate, body).role)) };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @QueryParam('name') name?: string, @QueryParam('domain_id') domainId?: string): Promise<unknown> {
    const roles = await this.roles.list(auth, { name, domain_id: domainId });
    return this.links.list('roles', roles.map((r) => roleView(this.links, r)), 'roles');
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { role: roleView(this.links, await this.roles.get(auth, id)) };
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { role: roleView(this.links, await this.roles.update(auth, id, parseBody(roleUpdate, body).role)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.roles.delete(auth, id);
  }

  @Get(':prior/implies')
  async listImplied(@Auth() auth: AuthContext, @Param('prior') prior: string): Promise<unknown> {
    return roleInferenceView(this.links, await this.implied.list(auth, prior), `roles/${prior}/implies`);
  }

  /** Keystone answers HEAD of one rule with 204 (declared before the GET, which Fastify would otherwise mirror). */
  @Head(':prior/implies/:implied')
  @HttpCode(204)
  async checkImplied(@Auth() auth: AuthContext, @Param('prior') prior: string, @Param('implied') implied: string): Promise<void> {
    await this.implied.get(auth, prior, implied, 'identity:check_implied_role');
  }

  @Get(':prior/implies/:implied')
  async getImplied(@Auth() auth: AuthContext, @Param('prior') prior: string, @Param('implied') implied: string): Promise<unknown> {
    return roleInferenceView(this.links, await this.implied.get(auth, prior, implied), `roles/${prior}/implies/${implied}`, true);
  }

  @Put(':prior/implies/:implied')
  @HttpCode(201)
  async createImplied(@Auth() auth: AuthContext, @Param('prior') prior: string, @Param('implied') implied: string): Promise<unknown> {
    return roleInferenceView(this.links, await this.implied.create(auth, prior, implied), `roles/${prior}/implies/${implied}`, true);
  }

  @Delete(':prior/implies/:implied')
  @HttpCode(204)
  async deleteImplied(@Auth() auth: AuthContext, @Param('prior') prior: string, @Param('implied') implied: string): Promise<void> {
    await this.implied.delete(auth, prior, implied);
  }
}
