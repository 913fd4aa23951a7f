import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { GroupsService } from '../../services/groups.service';
import { parseBody } from '../validation';
import { ApiLinks } from '../links';
import { groupView } from './groups.view';
import { userView } from '../users/users.view';
import { groupCreate, groupUpdate } from './groups.schema';
import { QueryParam } from '../query-param';

/** `/v3/groups` and their members. */
@Controller('v3/groups')
export class GroupsController {
  constructor(
    private readonly groups: GroupsService,
    private readonly links: ApiLinks,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return { group: groupView(this.links, await this.groups.create(auth, parseBody(groupCreate, body).group)) };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @QueryParam('name') name?: string, @QueryParam('domain_id') domainId?: string): Promise<unknown> {
    const groups = await this.groups.list(auth, { name, domain_id: domainId });
    return this.links.list('groups', groups.map((g) => groupView(this.links, g)), 'groups');
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { group: groupView(this.links, await this.groups.get(auth, id)) };
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { group: groupView(this.links, await this.groups.update(auth, id, parseBody(groupUpdate, body).group)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.groups.delete(auth, id);
  }

  @Get(':id/users')
  async users(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    const users = await this.groups.users(auth, id);
    return this.links.list('users', users.map((u) => userView(this.links, u)), `groups/${id}/users`);
  }

  @Put(':id/users/:userId')
  @HttpCode(204)
  async addUser(@Auth() auth: AuthContext, @Param('id') id: string, @Param('userId') userId: string): Promise<void> {
    await this.groups.addUser(auth, id, userId);
  }

  /** GET and HEAD (Fastify adds it to every GET route): 204 when a member, else 404. */
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
