import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { CatalogAdminService } from '../../services/catalog-admin.service';
import { parseBody, refuseNul } from '../validation';
import { IdentityViews } from '../views';
import { regionCreate, regionUpdate } from './catalog.schema';
import { QueryParam } from '../query-param';

/** `/v3/regions` (PUT /v3/regions/{id} creates a region with that id). */
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
    refuseNul(id, 'region_id');
    return { region: this.views.region(await this.catalog.createRegion(auth, { ...parseBody(regionCreate, body ?? { region: {} }).region, id })) };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @QueryParam('parent_region_id') parent?: string): Promise<unknown> {
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
