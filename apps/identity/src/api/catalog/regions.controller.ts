import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { CatalogAdminService } from '../../services/catalog-admin.service';
import { parseBody, refuseNul } from '../validation';
import { ApiLinks } from '../links';
import { regionView } from './catalog.view';
import { regionCreate, regionUpdate } from './catalog.schema';
import { QueryParam } from '../query-param';

/** `/v3/regions` (PUT /v3/regions/{id} creates a region with that id). */
@Controller('v3/regions')
export class RegionsController {
  constructor(
    private readonly catalog: CatalogAdminService,
    private readonly links: ApiLinks,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return { region: regionView(this.links, await this.catalog.createRegion(auth, parseBody(regionCreate, body).region)) };
  }

  @Put(':id')
  @HttpCode(201)
  async createWithId(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    refuseNul(id, 'region_id');
    return { region: regionView(this.links, await this.catalog.createRegion(auth, { ...parseBody(regionCreate, body ?? { region: {} }).region, id })) };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @QueryParam('parent_region_id') parent?: string): Promise<unknown> {
    const regions = await this.catalog.listRegions(auth, { parent_region_id: parent });
    return this.links.list('regions', regions.map((r) => regionView(this.links, r)), 'regions');
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { region: regionView(this.links, await this.catalog.getRegion(auth, id)) };
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { region: regionView(this.links, await this.catalog.updateRegion(auth, id, parseBody(regionUpdate, body).region)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.catalog.deleteRegion(auth, id);
  }
}
