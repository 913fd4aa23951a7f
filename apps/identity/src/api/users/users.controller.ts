import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import type { UserEntity } from '../../db/entities';
import { ProjectsService } from '../../services/projects.service';
import { UsersService } from '../../services/users.service';
import { boolQuery, parseBody } from '../validation';
import { ApiLinks, Json } from '../links';
import { Resource, ResourceController } from '../resource.controller';
import { groupView } from '../groups/groups.view';
import { projectView } from '../projects/projects.view';
import { userView } from './users.view';
import { passwordChange, UserCreate, userCreate, UserUpdate, userUpdate } from './users.schema';
import { QueryParam } from '../query-param';

/** `/v3/users`, a user's password, projects and groups. */
@Controller('v3/users')
export class UsersController extends ResourceController<UserEntity, UserCreate, UserUpdate> {
  protected readonly resource: Resource<UserEntity, UserCreate, UserUpdate>;

  constructor(
    private readonly users: UsersService,
    private readonly projects: ProjectsService,
    protected readonly links: ApiLinks,
  ) {
    super();
    this.resource = { member: 'user', view: userView, createBody: userCreate, updateBody: userUpdate, service: users };
  }

  @Get()
  async list(
    @Auth() auth: AuthContext,
    @QueryParam('name') name?: string,
    @QueryParam('domain_id') domainId?: string,
    @QueryParam('enabled') enabled?: string,
  ): Promise<Json> {
    return this.many('users', await this.users.list(auth, { name, domain_id: domainId, enabled: boolQuery(enabled) }));
  }

  @Post(':id/password')
  @HttpCode(204)
  async changePassword(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<void> {
    const { user } = parseBody(passwordChange, body);
    await this.users.changePassword(auth, id, user.original_password, user.password);
  }

  @Get(':id/projects')
  async projectsOf(@Auth() auth: AuthContext, @Param('id') id: string): Promise<Json> {
    const projects = await this.projects.listForUser(auth, id);
    return this.links.list('projects', projects.map((p) => projectView(this.links, p)), `users/${id}/projects`);
  }

  @Get(':id/groups')
  async groupsOf(@Auth() auth: AuthContext, @Param('id') id: string): Promise<Json> {
    const groups = await this.users.groupsOf(auth, id);
    return this.links.list('groups', groups.map((g) => groupView(this.links, g)), `users/${id}/groups`);
  }
}
