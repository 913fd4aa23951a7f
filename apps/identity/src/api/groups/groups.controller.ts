import { Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import type { GroupEntity } from '../../db/entities';
import { GroupsService } from '../../services/groups.service';
import { ApiLinks, Json } from '../links';
import { Resource, ResourceController } from '../resource.controller';
import { groupView } from './groups.view';
import { userView } from '../users/users.view';
import { GroupCreate, groupCreate, GroupUpdate, groupUpdate } from './groups.schema';
import { QueryParam } from '../query-param';

/** `/v3/groups` and their members. */
@Controller('v3/groups')
export class GroupsController extends ResourceController<GroupEntity, GroupCreate, GroupUpdate> {
  protected readonly resource: Resource<GroupEntity, GroupCreate, GroupUpdate>;

  constructor(
    private readonly groups: GroupsService,
    protected readonly links: ApiLinks,
  ) {
    super();
    this.resource = { member: 'group', view: groupView, createBody: groupCreate, updateBody: groupUpdate, service: groups };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @QueryParam('name') name?: string, @QueryParam('domain_id') domainId?: string): Promise<Json> {
    return this.many('groups', await this.groups.list(auth, { name, domain_id: domainId }));
  }

  @Get(':id/users')
  async users(@Auth() auth: AuthContext, @Param('id') id: string): Promise<Json> {
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
