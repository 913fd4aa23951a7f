import { Controller, Delete, Get, Head, HttpCode, Param, Put } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import type { RoleEntity } from '../../db/entities';
import { ImpliedRolesService } from '../../services/implied-roles.service';
import { RolesService } from '../../services/roles.service';
import { ApiLinks, Json } from '../links';
import { Resource, ResourceController } from '../resource.controller';
import { roleInferenceView, roleView } from './roles.view';
import { RoleCreate, roleCreate, RoleUpdate, roleUpdate } from './roles.schema';
import { QueryParam } from '../query-param';

/** `/v3/roles` and implied roles (`/v3/roles/{prior}/implies[/{implied}]`). */
@Controller('v3/roles')
export class RolesController extends ResourceController<RoleEntity, RoleCreate, RoleUpdate> {
  protected readonly resource: Resource<RoleEntity, RoleCreate, RoleUpdate>;

  constructor(
    private readonly roles: RolesService,
    private readonly implied: ImpliedRolesService,
    protected readonly links: ApiLinks,
  ) {
    super();
    this.resource = { member: 'role', view: roleView, createBody: roleCreate, updateBody: roleUpdate, service: roles };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @QueryParam('name') name?: string, @QueryParam('domain_id') domainId?: string): Promise<Json> {
    return this.many('roles', await this.roles.list(auth, { name, domain_id: domainId }));
  }

  @Get(':prior/implies')
  async listImplied(@Auth() auth: AuthContext, @Param('prior') prior: string): Promise<Json> {
    return roleInferenceView(this.links, await this.implied.list(auth, prior), `roles/${prior}/implies`);
  }

  /** Keystone answers HEAD of one rule with 204 (declared before the GET, which Fastify would otherwise mirror). */
  @Head(':prior/implies/:implied')
  @HttpCode(204)
  async checkImplied(@Auth() auth: AuthContext, @Param('prior') prior: string, @Param('implied') implied: string): Promise<void> {
    await this.implied.get(auth, prior, implied, 'identity:check_implied_role');
  }

  @Get(':prior/implies/:implied')
  async getImplied(@Auth() auth: AuthContext, @Param('prior') prior: string, @Param('implied') implied: string): Promise<Json> {
    return roleInferenceView(this.links, await this.implied.get(auth, prior, implied), `roles/${prior}/implies/${implied}`, true);
  }

  @Put(':prior/implies/:implied')
  @HttpCode(201)
  async createImplied(@Auth() auth: AuthContext, @Param('prior') prior: string, @Param('implied') implied: string): Promise<Json> {
    return roleInferenceView(this.links, await this.implied.create(auth, prior, implied), `roles/${prior}/implies/${implied}`, true);
  }

  @Delete(':prior/implies/:implied')
  @HttpCode(204)
  async deleteImplied(@Auth() auth: AuthContext, @Param('prior') prior: string, @Param('implied') implied: string): Promise<void> {
    await this.implied.delete(auth, prior, implied);
  }
}
