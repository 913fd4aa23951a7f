import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { DomainsService } from '../../services/domains.service';
import { boolQuery, parseBody } from '../validation';
import { ApiLinks } from '../links';
import { domainView } from './domains.view';
import { domainCreate, domainUpdate } from './domains.schema';
import { QueryParam } from '../query-param';

/** `/v3/domains`. */
@Controller('v3/domains')
export class DomainsController {
  constructor(
    private readonly domains: DomainsService,
    private readonly links: ApiLinks,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return { domain: domainView(this.links, await this.domains.create(auth, parseBody(domainCreate, body).domain)) };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @QueryParam('name') name?: string, @QueryParam('enabled') enabled?: string): Promise<unknown> {
    const domains = await this.domains.list(auth, { name, enabled: boolQuery(enabled) });
    return this.links.list('domains', domains.map((d) => domainView(this.links, d)), 'domains');
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { domain: domainView(this.links, await this.domains.get(auth, id)) };
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { domain: domainView(this.links, await this.domains.update(auth, id, parseBody(domainUpdate, body).domain)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.domains.delete(auth, id);
  }
}
