import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { CatalogAdminService } from '../../services/catalog-admin.service';
import { endpointCreate, endpointUpdate, parseBody, regionCreate, regionUpdate, serviceCreate, serviceUpdate } from '../schemas';
import { IdentityViews } from '../views';

@Controller('v3/regions')
export class RegionsController {
  constructor(
    private readonly catalog: CatalogAdminService,
    private readonly views: IdentityViews,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return { region: this.views.region(await this.catalog.createRegion(auth, parseBody(regionCreate, body).region)) };
  }

  @Put(':id')
  @HttpCode(201)
  async createWithId(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { region: this.views.region(await this.catalog.createRegion(auth, { ...parseBody(regionCreate, body).region, id })) };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @Query('parent_region_id') parent?: string): Promise<unknown> {
    const regions = await this.catalog.listRegions(auth, { parent_region_id: parent });
    return this.views.list('regions', regions.map((r) => this.views.region(r)), 'regions');
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { region: this.views.region(await this.catalog.getRegion(auth, id)) };
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { region: this.views.region(await this.catalog.updateRegion(auth, id, parseBody(regionUpdate, body).region)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.catalog.deleteRegion(auth, id);
  }
}

@Controller('v3/services')
export class ServicesController {
  constructor(
    private readonly catalog: CatalogAdminService,
    private readonly views: IdentityViews,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return { service: this.views.service(await this.catalog.createService(auth, parseBody(serviceCreate, body).service)) };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @Query('type') type?: string, @Query('name') name?: string): Promise<unknown> {
    const services = await this.catalog.listServices(auth, { type, name });
    return this.views.list('services', services.map((s) => this.views.service(s)), 'services');
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { service: this.views.service(await this.catalog.getService(auth, id)) };
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { service: this.views.service(await this.catalog.updateService(auth, id, parseBody(serviceUpdate, body).service)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.catalog.deleteService(auth, id);
  }
}

@Controller('v3/endpoints')
export class EndpointsController {
  constructor(
    private readonly catalog: CatalogAdminService,
    private readonly views: IdentityViews,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return { endpoint: this.views.endpoint(await this.catalog.createEndpoint(auth, parseBody(endpointCreate, body).endpoint)) };
  }

  @Get()
  async list(
    @Auth() auth: AuthContext,
    @Query('service_id') serviceId?: string,
    @Query('interface') iface?: string,
    @Query('region_id') regionId?: string,
  ): Promise<unknown> {
    const endpoints = await this.catalog.listEndpoints(auth, { service_id: serviceId, interface: iface, region_id: regionId });
    return this.views.list('endpoints', endpoints.map((e) => this.views.endpoint(e)), 'endpoints');
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { endpoint: this.views.endpoint(await this.catalog.getEndpoint(auth, id)) };
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { endpoint: this.views.endpoint(await this.catalog.updateEndpoint(auth, id, parseBody(endpointUpdate, body).endpoint)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.catalog.deleteEndpoint(auth, id);
  }
}
