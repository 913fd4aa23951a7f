import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Auth, AuthContext } from '@kumo/auth';
import { ServerActionsService } from '../../services/server-actions.service';
import { RemoteConsolesService } from '../../services/remote-consoles.service';
import { ComputeLinks } from '../links';
import { parseServerAction } from './server-actions.schema';

/** `POST /v2.1/servers/{id}/action`: power actions, console output, createImage, os-resetState. */
@Controller('v2.1/servers/:id/action')
export class ServerActionsController {
  constructor(
    private readonly actions: ServerActionsService,
    private readonly links: ComputeLinks,
    private readonly consoles: RemoteConsolesService,
  ) {}

  @Post()
  async act(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const a = parseServerAction(body);
    switch (a.kind) {
      case 'power':
        await this.actions.power(auth, id, a.name);
        reply.status(202);
        return undefined;
      case 'console':
        return { output: await this.actions.consoleOutput(auth, id, a.length) };
      case 'createImage': {
        const imageId = await this.actions.createImage(auth, id, a.name, a.metadata);
        reply.header('location', this.links.resource('images', imageId)[1].href);
        reply.status(202);
        return undefined;
      }
      case 'resetState':
        await this.actions.resetState(auth, id, a.state);
        reply.status(202);
        return undefined;
      case 'serialConsole':
        reply.status(200);
        return { console: { type: a.type, url: await this.consoles.create(auth, id, 'serial', a.type) } };
    }
  }
}
