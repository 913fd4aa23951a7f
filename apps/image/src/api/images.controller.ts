import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest, UnsupportedMediaType } from '@kumo/common';
import { Auth, AuthContext } from '@kumo/auth';
import { ImagesService, ListQuery } from '../services/images.service';

const KNOWN_FILTERS = new Set(['limit', 'marker', 'name', 'status', 'visibility', 'owner', 'tag', 'disk_format', 'container_format', 'size_min', 'size_max', 'member_status', 'os_hidden', 'sort_key', 'sort_dir', 'sort']);

function intParam(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new BadRequest(`${name} must be a non-negative integer`);
  return Number(v);
}

/** Glance's `sort_key`/`sort_dir` (repeatable) or `sort=key:dir,key`. */
function sortParam(q: Record<string, string | string[]>): ListQuery['sort'] {
  const all = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const dir = (d: string | undefined): 'asc' | 'desc' => {
    if (d === undefined) return 'desc';
    if (d !== 'asc' && d !== 'desc') throw new BadRequest(`Invalid sort direction: ${d}`);
    return d;
  };
  if (q.sort !== undefined) {
    if (q.sort_key !== undefined) throw new BadRequest('The sort and sort_key parameters cannot be used together');
    return all(q.sort)
      .join(',')
      .split(',')
      .filter(Boolean)
      .map((part) => {
        const [key, d] = part.split(':');
        return { key: key.trim(), dir: dir(d?.trim()) };
      });
  }
  const keys = all(q.sort_key);
  const dirs = all(q.sort_dir);
  return keys.map((key, i) => ({ key, dir: dir(dirs[i] ?? dirs[0]) }));
}

/** `/v2/images`: the images, their data, actions and tags. */
@Controller('v2/images')
export class ImagesController {
  constructor(private readonly images: ImagesService) {}

  @Post()
  @HttpCode(201)
  create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return this.images.create(auth, body);
  }

  @Get()
  async list(@Auth() auth: AuthContext, @Query() q: Record<string, string | string[]>, @Req() req: FastifyRequest): Promise<unknown> {
    const one = (k: string): string | undefined => (Array.isArray(q[k]) ? (q[k] as string[])[0] : (q[k] as string | undefined));
    const properties: Record<string, string> = {};
    for (const k of Object.keys(q)) if (!KNOWN_FILTERS.has(k)) properties[k] = one(k)!;
    const osHidden = one('os_hidden');
    const result = await this.images.list(auth, {
      limit: intParam('limit', one('limit')),
      marker: one('marker'),
      name: one('name'),
      status: one('status'),
      visibility: one('visibility'),
      owner: one('owner'),
      tags: q.tag === undefined ? [] : Array.isArray(q.tag) ? q.tag : [q.tag],
      diskFormat: one('disk_format'),
      containerFormat: one('container_format'),
      sizeMin: intParam('size_min', one('size_min')),
      sizeMax: intParam('size_max', one('size_max')),
      memberStatus: one('member_status'),
      osHidden: osHidden === undefined ? undefined : ['true', '1', 'yes'].includes(osHidden.toLowerCase()),
      sort: sortParam(q),
      properties,
    });
    const body: Record<string, unknown> = { images: result.images, first: '/v2/images', schema: '/v2/schemas/images' };
    if (result.next) {
      const params = new URLSearchParams(req.url.split('?')[1] ?? '');
      params.set('marker', result.next);
      body.next = `/v2/images?${params.toString()}`;
    }
    return body;
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return this.images.view(await this.images.find(auth, id));
  }

  @Patch(':id')
  update(@Auth() auth: AuthContext, @Param('id') id: string, @Req() req: FastifyRequest, @Body() body: unknown): Promise<unknown> {
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim();
    if (!/^application\/openstack-images-v2\.[01]-json-patch$/.test(type)) {
      throw new UnsupportedMediaType(`Unsupported Content-Type ${type || '(none)'}: use application/openstack-images-v2.1-json-patch`);
    }
    return this.images.patch(auth, id, body);
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
    await this.images.upload(auth, id, req.headers['content-type'], req.raw, length === undefined ? undefined : Number(length));
    await reply.status(204).send();
  }

  @Get(':id/file')
  async download(@Auth() auth: AuthContext, @Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const out = await this.images.download(auth, id, req.headers.range);
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
