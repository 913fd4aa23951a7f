import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Auth, AuthContext } from '@kumo/auth';
import { BadRequest } from '@kumo/common';
import { isAdmin } from '../../services/compute-policy';
import { ServersService } from '../../services/servers.service';
import { ComputeLinks } from '../../views/links';
import { parseBody } from '../validation';
import { createServerSchema, parseServerListQuery, updateServerSchema } from './servers.schema';
import { serverCreateView, serverListView, serverView } from './servers.view';

/** `/v2.1/servers`: Nova's servers API at 2.1. */
@Controller('v2.1/servers')
export class ServersController {
  constructor(
    private readonly servers: ServersService,
    private readonly links: ComputeLinks,
  ) {}

  private parseList(query: Record<string, unknown>) {
    const req = parseServerListQuery(query);
    if (req.name !== undefined) {
      try {
        new RegExp(req.name);
      } catch {
        throw new BadRequest(`Invalid input for query parameters name. Value: ${req.name}. not a valid regular expression`);
      }
    }
    return req;
  }

  @Get()
  async index(@Auth() auth: AuthContext, @Query() query: Record<string, unknown>): Promise<unknown> {
    const { servers, limit } = await this.servers.list(auth, this.parseList(query), false);
    return serverListView(this.links, servers, isAdmin(auth), false, { collection: 'servers', query, limit });
  }

  @Get('detail')
  async detail(@Auth() auth: AuthContext, @Query() query: Record<string, unknown>): Promise<unknown> {
    const { servers, limit } = await this.servers.list(auth, this.parseList(query), true);
    return serverListView(this.links, servers, isAdmin(auth), true, { collection: 'servers/detail', query, limit });
  }

  @Get(':id')
  async show(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { server: serverView(this.links, { ...(await this.servers.get(auth, id)), admin: isAdmin(auth) }) };
  }

  /** 202 with only id, links, adminPass, OS-DCF:diskConfig and security_groups, and a Location (API-SURFACE.md §2.3). */
  @Post()
  @HttpCode(202)
  async create(@Auth() auth: AuthContext, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const { instances, adminPass } = await this.servers.create(auth, parseBody(createServerSchema, body));
    const first = instances[0];
    reply.header('location', this.links.resource('servers', first.uuid)[0].href);
    return { server: serverCreateView(this.links, first, adminPass) };
  }

  @Put(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { server: serverView(this.links, { ...(await this.servers.update(auth, id, parseBody(updateServerSchema, body))), admin: isAdmin(auth) }) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.servers.delete(auth, id);
  }
}
