import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { CatalogAdminService } from '../../services/catalog-admin.service';
import { parseBody } from '../validation';
import { ApiLinks } from '../links';
import { endpointView } from './catalog.view';
import { endpointCreate, endpointUpdate } from './catalog.schema';
import { QueryParam } from '../query-param';

/** `/v3/endpoints`. */
@Controller('v3/endpoints')
export class EndpointsController {
  constructor(
    private readonly catalog: CatalogAdminService,
    private readonly links: ApiLinks,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return { endpoint: endpointView(this.links, await this.catalog.createEndpoint(auth, parseBody(endpointCreate, body).endpoint)) };
  }

  @Get()
  async list(
    @Auth() auth: AuthContext,
    @QueryParam('service_id') serviceId?: string,
    @QueryParam('interface') iface?: string,
    @QueryParam('region_id') regionId?: string,
  ): Promise<unknown> {
    const endpoints = await this.catalog.listEndpoints(auth, { service_id: serviceId, interface: iface, region_id: regionId });
    return this.links.list('endpoints', endpoints.map((e) => endpointView(this.links, e)), 'endpoints');
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { endpoint: endpointView(this.links, await this.catalog.getEndpoint(auth, id)) };
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { endpoint: endpointView(this.links, await this.catalog.updateEndpoint(auth, id, parseBody(endpointUpdate, body).endpoint)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.catalog.deleteEndpoint(auth, id);
  }
}
