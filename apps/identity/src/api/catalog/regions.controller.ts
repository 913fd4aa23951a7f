import { Body, Controller, Get, HttpCode, Param, Put } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import type { RegionEntity } from '../../db/entities';
import { CatalogAdminService } from '../../services/catalog-admin.service';
import { parseBody, refuseNul } from '../validation';
import { ApiLinks, Json } from '../links';
import { Resource, ResourceController } from '../resource.controller';
import { regionView } from './catalog.view';
import { RegionCreate, regionCreate, RegionUpdate, regionUpdate } from './catalog.schema';
import { QueryParam } from '../query-param';

/** `/v3/regions` (PUT /v3/regions/{id} creates a region with that id). */
@Controller('v3/regions')
export class RegionsController extends ResourceController<RegionEntity, RegionCreate, RegionUpdate> {
  protected readonly resource: Resource<RegionEntity, RegionCreate, RegionUpdate>;

  constructor(
    private readonly catalog: CatalogAdminService,
    protected readonly links: ApiLinks,
  ) {
    super();
    const service = {
      create: (auth: AuthContext, input: RegionCreate) => catalog.createRegion(auth, input),
      get: (auth: AuthContext, id: string) => catalog.getRegion(auth, id),
      update: (auth: AuthContext, id: string, input: RegionUpdate) => catalog.updateRegion(auth, id, input),
      delete: (auth: AuthContext, id: string) => catalog.deleteRegion(auth, id),
    };
    this.resource = { member: 'region', view: regionView, createBody: regionCreate, updateBody: regionUpdate, service };
  }

  @Put(':id')
  @HttpCode(201)
  async createWithId(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<Json> {
    refuseNul(id, 'region_id');
    return this.one(await this.catalog.createRegion(auth, { ...parseBody(regionCreate, body ?? { region: {} }).region, id }));
  }

  @Get()
  async list(@Auth() auth: AuthContext, @QueryParam('parent_region_id') parent?: string): Promise<Json> {
    return this.many('regions', await this.catalog.listRegions(auth, { parent_region_id: parent }));
  }
}
