import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UnsupportedMediaType } from '@kumo/common';
import { Auth, AuthContext } from '@kumo/auth';
import { PATCH_MEDIA_TYPES } from '../../services/image-patch';
import { ImagesService } from '../../services/images.service';
import { parseListQuery } from './images.schema';
import { downloadView, imageListView, imageWithTagsView } from './images.view';
import { uploadContentType } from './upload-content-type';

/** `/v2/images`: the images, their data, actions and tags. */
@Controller('v2/images')
export class ImagesController {
  constructor(private readonly images: ImagesService) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return imageWithTagsView(await this.images.create(auth, body));
  }

  @Get()
  async list(@Auth() auth: AuthContext, @Query() q: Record<string, string | string[] | undefined>, @Req() req: FastifyRequest): Promise<unknown> {
    return imageListView(await this.images.list(auth, parseListQuery(q)), req.url);
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return imageWithTagsView(await this.images.get(auth, id));
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown): Promise<unknown> {
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const draft = PATCH_MEDIA_TYPES.get(type);
    if (draft === undefined) {
      // Glance names the media types it takes in Accept-Patch (the fault keeps headers already set)
      void reply.header('accept-patch', [...PATCH_MEDIA_TYPES.keys()].join(', '));
      throw new UnsupportedMediaType(`Unsupported Content-Type ${type || '(none)'}: use ${[...PATCH_MEDIA_TYPES.keys()].join(' or ')}`);
    }
    return imageWithTagsView(await this.images.patch(auth, id, draft, body));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.images.delete(auth, id);
  }

  /** The upload streams from the request into the store (the body is never parsed). */
  @Put(':id/file')
  async upload(@Auth() auth: AuthContext, @Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const length = req.headers['content-length'];
    await this.images.upload(auth, id, uploadContentType(req), req.raw, length === undefined ? undefined : Number(length));
    await reply.status(204).send();
  }

  @Get(':id/file')
  async download(@Auth() auth: AuthContext, @Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const out = downloadView(await this.images.download(auth, id, req.headers.range));
    reply.status(out.status).headers(out.headers);
    if (!out.body) return void (await reply.send());
    out.body.on('error', () => reply.raw.destroy());
    await reply.send(out.body);
  }

  @Post(':id/actions/deactivate')
  @HttpCode(204)
  async deactivate(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.images.setActive(auth, id, false);
  }

  @Post(':id/actions/reactivate')
  @HttpCode(204)
  async reactivate(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.images.setActive(auth, id, true);
  }

  @Put(':id/tags/:tag')
  @HttpCode(204)
  async addTag(@Auth() auth: AuthContext, @Param('id') id: string, @Param('tag') tag: string): Promise<void> {
    await this.images.addTag(auth, id, tag);
  }

  @Delete(':id/tags/:tag')
  @HttpCode(204)
  async removeTag(@Auth() auth: AuthContext, @Param('id') id: string, @Param('tag') tag: string): Promise<void> {
    await this.images.removeTag(auth, id, tag);
  }
}
