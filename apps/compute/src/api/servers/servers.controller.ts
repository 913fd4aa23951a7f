import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Auth, AuthContext } from '@kumo/auth';
import { BadRequest } from '@kumo/common';
import { isAdmin } from '../../services/compute-policy';
import { ServersService } from '../../services/servers.service';
import { ComputeLinks } from '../../views/links';
import { ApiVersion, RequestVersion } from '../microversion';
import { parseBody } from '../validation';
import { createServerSchema, parseServerListQuery, updateServerSchema } from './servers.schema';
import { serverCreateView, serverListView, serverView } from './servers.view';

/** `/v2.1/servers`: Nova's servers API (2.1–2.6: the admin view's 2.3 attributes, 2.5's `ip6` filter). */
@Controller('v2.1/servers')
export class ServersController {
  constructor(
    private readonly servers: ServersService,
    private readonly links: ComputeLinks,
  ) {}

  private parseList(auth: AuthContext, query: Record<string, unknown>, v: ApiVersion) {
    const req = parseServerListQuery(query, { ip6: isAdmin(auth) || v.atLeast('2.5') });
    for (const [field, value] of [['name', req.name], ['ip', req.ip], ['ip6', req.ip6]] as const) {
      if (value === undefined) continue;
      try {
        new RegExp(value);
      } catch {
        throw new BadRequest(`Invalid input for query parameters ${field}. Value: ${value}. not a valid regular expression`);
      }
    }
    return req;
  }

  @Get()
  async index(@Auth() auth: AuthContext, @Query() query: Record<string, unknown>, @RequestVersion() v: ApiVersion): Promise<unknown> {
    const { servers, limit } = await this.servers.list(auth, this.parseList(auth, query, v), false);
    return serverListView(this.links, servers, isAdmin(auth), false, { collection: 'servers', query, limit });
  }

  @Get('detail')
  async detail(@Auth() auth: AuthContext, @Query() query: Record<string, unknown>, @RequestVersion() v: ApiVersion): Promise<unknown> {
    const { servers, limit } = await this.servers.list(auth, this.parseList(auth, query, v), true);
    return serverListView(this.links, servers, isAdmin(auth), true, { collection: 'servers/detail', query, limit }, v);
  }

  @Get(':id')
  async show(@Auth() auth: AuthContext, @Param('id') id: string, @RequestVersion() v: ApiVersion): Promise<unknown> {
    return { server: serverView(this.links, { ...(await this.servers.get(auth, id)), admin: isAdmin(auth), version: v }) };
  }

  /** 202 with only id, links, adminPass (unless enable_instance_password is off), OS-DCF:diskConfig and security_groups, and a Location (API-SURFACE.md §2.3). */
  @Post()
  @HttpCode(202)
  async create(@Auth() auth: AuthContext, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const { instances, adminPass } = await this.servers.create(auth, parseBody(createServerSchema, body));
    const first = instances[0];
    reply.header('location', this.links.resource('servers', first.uuid)[0].href);
    return { server: serverCreateView(this.links, first, adminPass) };
  }

  @Put(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown, @RequestVersion() v: ApiVersion): Promise<unknown> {
    // Nova answers a PUT with the reduced view below 2.75
    return { server: serverView(this.links, { ...(await this.servers.update(auth, id, parseBody(updateServerSchema, body))), admin: isAdmin(auth), version: v, brief: !v.atLeast('2.75') }) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.servers.delete(auth, id);
  }
}
