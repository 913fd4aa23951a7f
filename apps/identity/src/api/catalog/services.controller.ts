import { Controller, Get } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import type { ServiceEntity } from '../../db/entities';
import { CatalogAdminService } from '../../services/catalog-admin.service';
import { ApiLinks, Json } from '../links';
import { Resource, ResourceController } from '../resource.controller';
import { serviceView } from './catalog.view';
import { ServiceCreate, serviceCreate, ServiceUpdate, serviceUpdate } from './catalog.schema';
import { QueryParam } from '../query-param';

/** `/v3/services` (deleting a service deletes its endpoints). */
@Controller('v3/services')
export class ServicesController extends ResourceController<ServiceEntity, ServiceCreate, ServiceUpdate> {
  protected readonly resource: Resource<ServiceEntity, ServiceCreate, ServiceUpdate>;

  constructor(
    private readonly catalog: CatalogAdminService,
    protected readonly links: ApiLinks,
  ) {
    super();
    const service = {
      create: (auth: AuthContext, input: ServiceCreate) => catalog.createService(auth, input),
      get: (auth: AuthContext, id: string) => catalog.getService(auth, id),
      update: (auth: AuthContext, id: string, input: ServiceUpdate) => catalog.updateService(auth, id, input),
      delete: (auth: AuthContext, id: string) => catalog.deleteService(auth, id),
    };
    this.resource = { member: 'service', view: serviceView, createBody: serviceCreate, updateBody: serviceUpdate, service };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @QueryParam('type') type?: string, @QueryParam('name') name?: string): Promise<Json> {
    return this.many('services', await this.catalog.listServices(auth, { type, name }));
  }
}
