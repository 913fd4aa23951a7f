import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { RolesService } from '../../services/roles.service';
import { parseBody } from '../validation';
import { IdentityViews } from '../views';
import { roleCreate, roleUpdate } from './roles.schema';
import { QueryParam } from '../query-param';

/** `/v3/roles`. */
@Controller('v3/roles')
export class RolesController {
  constructor(
    private readonly roles: RolesService,
    private readonly views: IdentityViews,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return { role: this.views.role(await this.roles.create(auth, parseBody(roleCreate, body).role)) };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @QueryParam('name') name?: string): Promise<unknown> {
    const roles = await this.roles.list(auth, { name });
    return this.views.list('roles', roles.map((r) => this.views.role(r)), 'roles');
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { role: this.views.role(await this.roles.get(auth, id)) };
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { role: this.views.role(await this.roles.update(auth, id, parseBody(roleUpdate, body).role)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.roles.delete(auth, id);
  }
}
