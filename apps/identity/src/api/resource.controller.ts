import { Body, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import type { z } from 'zod';
import type { ApiLinks, Json } from './links';
import { parseBody } from './validation';

/** The calls the generic routes make: a resource's service (ProjectsService, ...) or an adapter onto one. */
export interface ResourceService<E, C, U> {
  create(auth: AuthContext, input: C): Promise<E>;
  get(auth: AuthContext, id: string): Promise<E>;
  update(auth: AuthContext, id: string, input: U): Promise<E>;
  delete(auth: AuthContext, id: string): Promise<void>;
}

/** One Keystone resource: its wire key, its view, the schemas of its bodies and its service. */
export interface Resource<E, C, U> {
  /** The key of every body: `{"project": {...}}`. */
  member: string;
  view: (links: ApiLinks, entity: E) => Json;
  /** `{"<member>": {...}}` of POST and of PATCH. */
  createBody: z.ZodTypeAny;
  updateBody: z.ZodTypeAny;
  service: ResourceService<E, C, U>;
}

/**
 * Keystone's routes of one resource, the same for domains, projects, users, groups, roles,
 * regions, services and endpoints: `POST /` (201), `GET /{id}`, `PATCH /{id}` (each answering
 * `{"<member>": view}`) and `DELETE /{id}` (204). A resource's controller extends it, names its
 * path (`@Controller('v3/projects')`) and `resource`, and adds its list (with its filters, through
 * `many`) and its other routes.
 */
export abstract class ResourceController<E, C, U> {
  protected abstract readonly resource: Resource<E, C, U>;
  protected abstract readonly links: ApiLinks;

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<Json> {
    const { service, createBody, member } = this.resource;
    return this.one(await service.create(auth, parseBody(createBody, body)[member] as C));
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<Json> {
    return this.one(await this.resource.service.get(auth, id));
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<Json> {
    const { service, updateBody, member } = this.resource;
    return this.one(await service.update(auth, id, parseBody(updateBody, body)[member] as U));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.resource.service.delete(auth, id);
  }

  /** `{"<member>": view}`. */
  protected one(entity: E): Json {
    return { [this.resource.member]: this.resource.view(this.links, entity) };
  }

  /** `{"<collection>": [view, ...], "links": {...}}`, its self link at `selfPath` (default: the collection). */
  protected many(collection: string, entities: E[], selfPath = collection): Json {
    return this.links.list(
      collection,
      entities.map((e) => this.resource.view(this.links, e)),
      selfPath,
    );
  }
}
