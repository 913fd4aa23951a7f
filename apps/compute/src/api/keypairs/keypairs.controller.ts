import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { KeypairsService } from '../../services/keypairs.service';
import { parseBody } from '../validation';
import { createKeypairSchema } from './keypairs.schema';
import { keypairCreateView, keypairListView, keypairView } from './keypairs.view';

/** `/v2.1/os-keypairs`: the caller's key pairs (create 200 and delete 202 at 2.1; 201/204 come with 2.2). */
@Controller('v2.1/os-keypairs')
export class KeypairsController {
  constructor(private readonly keypairs: KeypairsService) {}

  @Get()
  async list(@Auth() auth: AuthContext): Promise<unknown> {
    return keypairListView(await this.keypairs.list(auth));
  }

  @Post()
  @HttpCode(200)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    const { keyPair, privateKey } = await this.keypairs.create(auth, parseBody(createKeypairSchema, body));
    return keypairCreateView(keyPair, privateKey);
  }

  @Get(':name')
  async show(@Auth() auth: AuthContext, @Param('name') name: string): Promise<unknown> {
    return keypairView(await this.keypairs.get(auth, name));
  }

  @Delete(':name')
  @HttpCode(202)
  async delete(@Auth() auth: AuthContext, @Param('name') name: string): Promise<void> {
    await this.keypairs.delete(auth, name);
  }
}
