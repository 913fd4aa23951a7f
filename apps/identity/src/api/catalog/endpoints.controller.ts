import { Controller, Get } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import type { EndpointEntity } from '../../db/entities';
import { CatalogAdminService } from '../../services/catalog-admin.service';
import { ApiLinks, Json } from '../links';
import { Resource, ResourceController } from '../resource.controller';
import { endpointView } from './catalog.view';
import { EndpointCreate, endpointCreate, EndpointUpdate, endpointUpdate } from './catalog.schema';
import { QueryParam } from '../query-param';

/** `/v3/endpoints`. */
@Controller('v3/endpoints')
export class EndpointsController extends ResourceController<EndpointEntity, EndpointCreate, EndpointUpdate> {
  protected readonly resource: Resource<EndpointEntity, EndpointCreate, EndpointUpdate>;

  constructor(
    private readonly catalog: CatalogAdminService,
    protected readonly links: ApiLinks,
  ) {
    super();
    const service = {
      create: (auth: AuthContext, input: EndpointCreate) => catalog.createEndpoint(auth, input),
      get: (auth: AuthContext, id: string) => catalog.getEndpoint(auth, id),
      update: (auth: AuthContext, id: string, input: EndpointUpdate) => catalog.updateEndpoint(auth, id, input),
      delete: (auth: AuthContext, id: string) => catalog.deleteEndpoint(auth, id),
    };
    this.resource = { member: 'endpoint', view: endpointView, createBody: endpointCreate, updateBody: endpointUpdate, service };
  }

  @Get()
  async list(
    @Auth() auth: AuthContext,
    @QueryParam('service_id') serviceId?: string,
    @QueryParam('interface') iface?: string,
    @QueryParam('region_id') regionId?: string,
  ): Promise<Json> {
    return this.many('endpoints', await this.catalog.listEndpoints(auth, { service_id: serviceId, interface: iface, region_id: regionId }));
  }
}
