import { Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { ActorType, TargetType } from '../../db/entities';
import { GrantRef, GrantsService } from '../../services/grants.service';
import { ApiLinks } from '../links';
import { roleView } from '../roles/roles.view';

const TARGETS = new Map<string, TargetType>([
  ['projects', 'project'],
  ['domains', 'domain'],
]);
const ACTORS = new Map<string, ActorType>([
  ['users', 'user'],
  ['groups', 'group'],
]);

/** `/v3/{projects|domains}/{t}/{users|groups}/{a}/roles[/{r}]`. */
const SCOPED = ':targets(projects|domains)/:targetId/:actors(users|groups)/:actorId/roles';
/** `/v3/system/{users|groups}/{a}/roles[/{r}]`. */
const SYSTEM = 'system/:actors(users|groups)/:actorId/roles';

type GrantParams = Record<'targets' | 'targetId' | 'actors' | 'actorId', string>;

function ref(p: Partial<GrantParams>): GrantRef {
  // the route's patterns allow only these names; the Maps keep a stray one from reaching Object.prototype
  const actorType = ACTORS.get(p.actors!)!;
  return p.targets
    ? { targetType: TARGETS.get(p.targets)!, targetId: p.targetId!, actorType, actorId: p.actorId! }
    : { targetType: 'system', targetId: 'all', actorType, actorId: p.actorId! };
}

/** Role grants: PUT grants, GET/HEAD checks (204/404), DELETE revokes; GET .../roles lists. */
@Controller('v3')
export class GrantsController {
  constructor(
    private readonly grants: GrantsService,
    private readonly links: ApiLinks,
  ) {}

  @Put([`${SCOPED}/:roleId`, `${SYSTEM}/:roleId`])
  @HttpCode(204)
  async grant(@Auth() auth: AuthContext, @Param() p: GrantParams, @Param('roleId') roleId: string): Promise<void> {
    await this.grants.grant(auth, ref(p), roleId);
  }

  @Get([`${SCOPED}/:roleId`, `${SYSTEM}/:roleId`])
  @HttpCode(204)
  async check(@Auth() auth: AuthContext, @Param() p: GrantParams, @Param('roleId') roleId: string): Promise<void> {
    await this.grants.checkGrant(auth, ref(p), roleId);
  }

  @Delete([`${SCOPED}/:roleId`, `${SYSTEM}/:roleId`])
  @HttpCode(204)
  async revoke(@Auth() auth: AuthContext, @Param() p: GrantParams, @Param('roleId') roleId: string): Promise<void> {
    await this.grants.revoke(auth, ref(p), roleId);
  }

  @Get([SCOPED, SYSTEM])
  async list(@Auth() auth: AuthContext, @Param() p: GrantParams): Promise<unknown> {
    const roles = await this.grants.listRoles(auth, ref(p));
    const path = p.targets ? `${p.targets}/${p.targetId}/${p.actors}/${p.actorId}/roles` : `system/${p.actors}/${p.actorId}/roles`;
    return this.links.list('roles', roles.map((r) => roleView(this.links, r)), path);
  }
}
