import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { ApplicationCredentialsService } from '../../services/application-credentials.service';
import { GroupsService } from '../../services/groups.service';
import { ProjectsService } from '../../services/projects.service';
import { UsersService } from '../../services/users.service';
import { appCredCreate, boolQuery, groupCreate, groupUpdate, parseBody, passwordChange, userCreate, userUpdate } from '../schemas';
import { IdentityViews } from '../views';

@Controller('v3/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly projects: ProjectsService,
    private readonly appCreds: ApplicationCredentialsService,
    private readonly views: IdentityViews,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return { user: this.views.user(await this.users.create(auth, parseBody(userCreate, body).user)) };
  }

  @Get()
  async list(
    @Auth() auth: AuthContext,
    @Query('name') name?: string,
    @Query('domain_id') domainId?: string,
    @Query('enabled') enabled?: string,
  ): Promise<unknown> {
    const users = await this.users.list(auth, { name, domain_id: domainId, enabled: boolQuery(enabled) });
    return this.views.list('users', users.map((u) => this.views.user(u)), 'users');
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { user: this.views.user(await this.users.get(auth, id)) };
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { user: this.views.user(await this.users.update(auth, id, parseBody(userUpdate, body).user)) };
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
    return this.views.list('projects', projects.map((p) => this.views.project(p)), `users/${id}/projects`);
  }

  @Get(':id/groups')
  async groupsOf(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    const groups = await this.users.groupsOf(auth, id);
    return this.views.list('groups', groups.map((g) => this.views.group(g)), `users/${id}/groups`);
  }

  @Post(':id/application_credentials')
  @HttpCode(201)
  async createAppCred(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    const input = parseBody(appCredCreate, body).application_credential;
    const { cred, roles, secret } = await this.appCreds.create(auth, id, {
      ...input,
      expires_at: input.expires_at ?? undefined,
    });
    return { application_credential: this.views.applicationCredential(cred, roles, secret) };
  }

  @Get(':id/application_credentials')
  async listAppCreds(@Auth() auth: AuthContext, @Param('id') id: string, @Query('name') name?: string): Promise<unknown> {
    const creds = await this.appCreds.list(auth, id, name);
    return this.views.list(
      'application_credentials',
      creds.map((c) => this.views.applicationCredential(c.cred, c.roles)),
      `users/${id}/application_credentials`,
    );
  }

  @Get(':id/application_credentials/:credId')
  async getAppCred(@Auth() auth: AuthContext, @Param('id') id: string, @Param('credId') credId: string): Promise<unknown> {
    const c = await this.appCreds.get(auth, id, credId);
    return { application_credential: this.views.applicationCredential(c.cred, c.roles) };
  }

  @Delete(':id/application_credentials/:credId')
  @HttpCode(204)
  async deleteAppCred(@Auth() auth: AuthContext, @Param('id') id: string, @Param('credId') credId: string): Promise<void> {
    await this.appCreds.delete(auth, id, credId);
  }
}

@Controller('v3/groups')
export class GroupsController {
  constructor(
    private readonly groups: GroupsService,
    private readonly views: IdentityViews,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return { group: this.views.group(await this.groups.create(auth, parseBody(groupCreate, body).group)) };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @Query('name') name?: string, @Query('domain_id') domainId?: string): Promise<unknown> {
    const groups = await this.groups.list(auth, { name, domain_id: domainId });
    return this.views.list('groups', groups.map((g) => this.views.group(g)), 'groups');
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { group: this.views.group(await this.groups.get(auth, id)) };
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { group: this.views.group(await this.groups.update(auth, id, parseBody(groupUpdate, body).group)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.groups.delete(auth, id);
  }

  @Get(':id/users')
  async users(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    const users = await this.groups.users(auth, id);
    return this.views.list('users', users.map((u) => this.views.user(u)), `groups/${id}/users`);
  }

  @Put(':id/users/:userId')
  @HttpCode(204)
  async addUser(@Auth() auth: AuthContext, @Param('id') id: string, @Param('userId') userId: string): Promise<void> {
    await this.groups.addUser(auth, id, userId);
  }

  /** GET (and HEAD, added by Fastify) checks membership: 204 or 404. */
  @Get(':id/users/:userId')
  @HttpCode(204)
  async checkUser(@Auth() auth: AuthContext, @Param('id') id: string, @Param('userId') userId: string): Promise<void> {
    await this.groups.checkUser(auth, id, userId);
  }

  @Delete(':id/users/:userId')
  @HttpCode(204)
  async removeUser(@Auth() auth: AuthContext, @Param('id') id: string, @Param('userId') userId: string): Promise<void> {
    await this.groups.removeUser(auth, id, userId);
  }
}
