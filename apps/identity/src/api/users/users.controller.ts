import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { ProjectsService } from '../../services/projects.service';
import { UsersService } from '../../services/users.service';
import { boolQuery, parseBody } from '../validation';
import { ApiLinks } from '../links';
import { groupView } from '../groups/groups.view';
import { projectView } from '../projects/projects.view';
import { userView } from './users.view';
import { passwordChange, userCreate, userUpdate } from './users.schema';
import { QueryParam } from '../query-param';

/** `/v3/users`, a user's password, projects and groups. */
@Controller('v3/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly projects: ProjectsService,
    private readonly links: ApiLinks,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return { user: userView(this.links, await this.users.create(auth, parseBody(userCreate, body).user)) };
  }

  @Get()
  async list(
    @Auth() auth: AuthContext,
    @QueryParam('name') name?: string,
    @QueryParam('domain_id') domainId?: string,
    @QueryParam('enabled') enabled?: string,
  ): Promise<unknown> {
    const users = await this.users.list(auth, { name, domain_id: domainId, enabled: boolQuery(enabled) });
    return this.links.list('users', users.map((u) => userView(this.links, u)), 'users');
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { user: userView(this.links, await this.users.get(auth, id)) };
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { user: userView(this.links, await this.users.update(auth, id, parseBody(userUpdate, body).user)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.users.delete(auth, id);
  }

  @Post(':id/password')
  @HttpCode(204)
  async changePassword(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<void> {
    const { user } = parseBody(passwordChange, body);
    await this.users.changePassword(auth, id, user.original_password, user.password);
  }

  @Get(':id/projects')
  async projectsOf(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    const projects = await this.projects.listForUser(auth, id);
    return this.links.list('projects', projects.map((p) => projectView(this.links, p)), `users/${id}/projects`);
  }

  @Get(':id/groups')
  async groupsOf(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    const groups = await this.users.groupsOf(auth, id);
    return this.links.list('groups', groups.map((g) => groupView(this.links, g)), `users/${id}/groups`);
  }
}
