import { Body, Controller, Delete, Get, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Auth, AuthContext } from '@kumo/auth';
import { KeypairsService } from '../../services/keypairs.service';
import { ApiVersion, RequestVersion } from '../microversion';
import { parseCreateKeypair } from './keypairs.schema';
import { keypairCreateView, keypairListView, keypairView } from './keypairs.view';

/**
 * `/v2.1/os-keypairs`: the caller's key pairs. Nova's statuses per version (keypairs.py): create
 * 200 at 2.1 and 201 from 2.2, delete 202 at 2.1 and 204 from 2.2.
 */
export function keypairStatus(op: 'create' | 'delete', v: ApiVersion): number {
  if (op === 'create') return v.atLeast('2.2') ? 201 : 200;
  return v.atLeast('2.2') ? 204 : 202;
}

@Controller('v2.1/os-keypairs')
export class KeypairsController {
  constructor(private readonly keypairs: KeypairsService) {}

  @Get()
  async list(@Auth() auth: AuthContext, @RequestVersion() v: ApiVersion): Promise<unknown> {
    return keypairListView(await this.keypairs.list(auth), v);
  }

  @Post()
  async create(@Auth() auth: AuthContext, @Body() body: unknown, @RequestVersion() v: ApiVersion, @Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    const { keyPair, privateKey } = await this.keypairs.create(auth, parseCreateKeypair(body, v));
    reply.status(keypairStatus('create', v));
    return keypairCreateView(keyPair, v, privateKey);
  }

  @Get(':name')
  async show(@Auth() auth: AuthContext, @Param('name') name: string, @RequestVersion() v: ApiVersion): Promise<unknown> {
    return keypairView(await this.keypairs.get(auth, name), v);
  }

  @Delete(':name')
  async delete(@Auth() auth: AuthContext, @Param('name') name: string, @RequestVersion() v: ApiVersion, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.keypairs.delete(auth, name);
    reply.status(keypairStatus('delete', v));
  }
}
