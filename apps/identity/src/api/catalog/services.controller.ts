import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { CatalogAdminService } from '../../services/catalog-admin.service';
import { parseBody } from '../validation';
import { ApiLinks } from '../links';
import { serviceView } from './catalog.view';
import { serviceCreate, serviceUpdate } from './catalog.schema';
import { QueryParam } from '../query-param';

/** `/v3/services` (deleting a service deletes its endpoints). */
@Controller('v3/services')
export class ServicesController {
  constructor(
    private readonly catalog: CatalogAdminService,
    private readonly links: ApiLinks,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return { service: serviceView(this.links, await this.catalog.createService(auth, parseBody(serviceCreate, body).service)) };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @QueryParam('type') type?: string, @QueryParam('name') name?: string): Promise<unknown> {
    const services = await this.catalog.listServices(auth, { type, name });
    return this.links.list('services', services.map((s) => serviceView(this.links, s)), 'services');
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { service: serviceView(this.links, await this.catalog.getService(auth, id)) };
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { service: serviceView(this.links, await this.catalog.updateService(auth, id, parseBody(serviceUpdate, body).service)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.catalog.deleteService(auth, id);
  }
}
