import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { ActorType, TargetType } from '../../db/entities';
import { GrantRef, GrantsService } from '../../services/grants.service';
import { RolesService } from '../../services/roles.service';
import { RoleAssignmentsView } from '../role-assignments.view';
import { boolQuery, parseBody, roleCreate, roleUpdate } from '../schemas';
import { IdentityViews } from '../views';

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
  async list(@Auth() auth: AuthContext, @Query('name') name?: string): Promise<unknown> {
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

const TARGETS: Record<string, TargetType> = { projects: 'project', domains: 'domain' };
const ACTORS: Record<string, ActorType> = { users: 'user', groups: 'group' };

/** Grants: /v3/{projects|domains}/{id}/{users|groups}/{id}/roles[/{role}] and /v3/system/{users|groups}/{id}/roles[/{role}]. */
@Controller('v3')
export class GrantsController {
  constructor(
    private readonly grants: GrantsService,
    private readonly views: IdentityViews,
    private readonly assignmentsView: RoleAssignmentsView,
  ) {}

  private ref(targets: string, targetId: string, actors: string, actorId: string): GrantRef {
    return { targetType: TARGETS[targets], targetId, actorType: ACTORS[actors], actorId };
  }

  @Put(':targets(projects|domains)/:targetId/:actors(users|groups)/:actorId/roles/:roleId')
  @HttpCode(204)
  async grant(@Auth() auth: AuthContext, @Param() p: Record<string, string>): Promise<void> {
    await this.grants.grant(auth, this.ref(p.targets, p.targetId, p.actors, p.actorId), p.roleId);
  }

  @Get(':targets(projects|domains)/:targetId/:actors(users|groups)/:actorId/roles/:roleId')
  @HttpCode(204)
  async check(@Auth() auth: AuthContext, @Param() p: Record<string, string>): Promise<void> {
    await this.grants.checkGrant(auth, this.ref(p.targets, p.targetId, p.actors, p.actorId), p.roleId);
  }

  @Delete(':targets(projects|domains)/:targetId/:actors(users|groups)/:actorId/roles/:roleId')
  @HttpCode(204)
  async revoke(@Auth() auth: AuthContext, @Param() p: Record<string, string>): Promise<void> {
    await this.grants.revoke(auth, this.ref(p.targets, p.targetId, p.actors, p.actorId), p.roleId);
  }

  @Get(':targets(projects|domains)/:targetId/:actors(users|groups)/:actorId/roles')
  async list(@Auth() auth: AuthContext, @Param() p: Record<string, string>): Promise<unknown> {
    const roles = await this.grants.listRoles(auth, this.ref(p.targets, p.targetId, p.actors, p.actorId));
    return this.views.list('roles', roles.map((r) => this.views.role(r)), `${p.targets}/${p.targetId}/${p.actors}/${p.actorId}/roles`);
  }

  @Put('system/:actors(users|groups)/:actorId/roles/:roleId')
  @HttpCode(204)
  async grantSystem(@Auth() auth: AuthContext, @Param() p: Record<string, string>): Promise<void> {
    await this.grants.grant(auth, { targetType: 'system', targetId: 'all', actorType: ACTORS[p.actors], actorId: p.actorId }, p.roleId);
  }

  @Get('system/:actors(users|groups)/:actorId/roles/:roleId')
  @HttpCode(204)
  async checkSystem(@Auth() auth: AuthContext, @Param() p: Record<string, string>): Promise<void> {
    await this.grants.checkGrant(auth, { targetType: 'system', targetId: 'all', actorType: ACTORS[p.actors], actorId: p.actorId }, p.roleId);
  }

  @Delete('system/:actors(users|groups)/:actorId/roles/:roleId')
  @HttpCode(204)
  async revokeSystem(@Auth() auth: AuthContext, @Param() p: Record<string, string>): Promise<void> {
    await this.grants.revoke(auth, { targetType: 'system', targetId: 'all', actorType: ACTORS[p.actors], actorId: p.actorId }, p.roleId);
  }

  @Get('system/:actors(users|groups)/:actorId/roles')
  async listSystem(@Auth() auth: AuthContext, @Param() p: Record<string, string>): Promise<unknown> {
    const roles = await this.grants.listRoles(auth, { targetType: 'system', targetId: 'all', actorType: ACTORS[p.actors], actorId: p.actorId });
    return this.views.list('roles', roles.map((r) => this.views.role(r)), `system/${p.actors}/${p.actorId}/roles`);
  }

  @Get('role_assignments')
  async assignments(@Auth() auth: AuthContext, @Query() q: Record<string, string | undefined>): Promise<unknown> {
    const rows = await this.grants.list(auth, {
      userId: q['user.id'],
      groupId: q['group.id'],
      roleId: q['role.id'],
      projectId: q['scope.project.id'],
      domainId: q['scope.domain.id'],
      system: q['scope.system'] !== undefined,
      effective: q.effective !== undefined && boolQuery(q.effective || 'true') !== false,
    });
    const names = q.include_names !== undefined && boolQuery(q.include_names || 'true') !== false;
    return this.assignmentsView.render(rows, names);
  }
}
