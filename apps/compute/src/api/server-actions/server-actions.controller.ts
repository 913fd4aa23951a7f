import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Auth, AuthContext } from '@kumo/auth';
import { ServerActionsService } from '../../services/server-actions.service';
import { RemoteConsolesService } from '../../services/remote-consoles.service';
import { ComputeLinks } from '../../views/links';
import { ApiVersion, RequestVersion } from '../microversion';
import { parseServerAction, ServerAction } from './server-actions.schema';

/**
 * Nova's status for each action (api-ref "Servers - run an action"): 202 for the asynchronous
 * ones, 200 for those that answer with a body now. Set on every path: Nest's default for a POST
 * is 201, which Nova never answers here.
 */
export const ACTION_STATUS: Record<ServerAction['kind'], 200 | 202> = {
  power: 202,
  console: 200,
  createImage: 202,
  resetState: 202,
  serialConsole: 200,
};

/**
 * `POST /v2.1/servers/{id}/action`: power actions, console output, createImage, os-resetState, and
 * at 2.1–2.5 the console actions (os-getSerialConsole; VNC and SPICE answer Nova's "Unavailable
 * console type", RDP its bare 400).
 */
@Controller('v2.1/servers/:id/action')
export class ServerActionsController {
  constructor(
    private readonly actions: ServerActionsService,
    private readonly links: ComputeLinks,
    private readonly consoles: RemoteConsolesService,
  ) {}

  @Post()
  async act(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown, @RequestVersion() v: ApiVersion, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const a = parseServerAction(body, v);
    const result = await this.run(auth, id, a, reply);
    reply.status(ACTION_STATUS[a.kind]);
    return result;
  }

  private async run(auth: AuthContext, id: string, a: ServerAction, reply: FastifyReply): Promise<unknown> {
    switch (a.kind) {
      case 'power':
        await this.actions.power(auth, id, a.name);
        return undefined;
      case 'console':
        return { output: await this.actions.consoleOutput(auth, id, a.length) };
      case 'createImage': {
        const imageId = await this.actions.createImage(auth, id, a.name, a.metadata);
        reply.header('location', this.links.resource('images', imageId)[1].href);
        return undefined;
      }
      case 'resetState':
        await this.actions.resetState(auth, id, a.state);
        return undefined;
      case 'serialConsole':
        return { console: { type: a.type, url: await this.consoles.create(auth, id, a.protocol, a.type) } };
    }
  }
}
