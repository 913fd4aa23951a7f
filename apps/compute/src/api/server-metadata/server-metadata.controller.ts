import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { z } from 'zod';
import { Auth, AuthContext } from '@kumo/auth';
import { BadRequest } from '@kumo/common';
import { ServerActionsService } from '../../services/server-actions.service';
import { novaMetadata } from '../servers/servers.schema';
import { parseBody } from '../validation';

const metadataBody = z.object({ metadata: novaMetadata }).strict();
const metaBody = z.object({ meta: novaMetadata }).strict();

/** `/v2.1/servers/{id}/metadata[/{key}]`: Nova's server metadata API. */
@Controller('v2.1/servers/:id/metadata')
export class ServerMetadataController {
  constructor(private readonly actions: ServerActionsService) {}

  @Get()
  async index(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { metadata: await this.actions.metadata(auth, id) };
  }

  /** Replaces all metadata. */
  @Put()
  async replace(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { metadata: await this.actions.setMetadata(auth, id, parseBody(metadataBody, body).metadata, true) };
  }

  /** Adds or changes keys. */
  @Post()
  @HttpCode(200)
  async merge(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { metadata: await this.actions.setMetadata(auth, id, parseBody(metadataBody, body).metadata, false) };
  }

  @Get(':key')
  async show(@Auth() auth: AuthContext, @Param('id') id: string, @Param('key') key: string): Promise<unknown> {
    return { meta: { [key]: await this.actions.metadataItem(auth, id, key) } };
  }

  @Put(':key')
  async set(@Auth() auth: AuthContext, @Param('id') id: string, @Param('key') key: string, @Body() body: unknown): Promise<unknown> {
    const meta = parseBody(metaBody, body).meta;
    const keys = Object.keys(meta);
    if (keys.length > 1) throw new BadRequest('Request body contains too many items');
    if (keys[0] !== key) throw new BadRequest('Request body and URI mismatch');
    await this.actions.setMetadata(auth, id, meta, false);
    return { meta };
  }

  @Delete(':key')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string, @Param('key') key: string): Promise<void> {
    await this.actions.deleteMetadata(auth, id, key);
  }
}
