import { Controller, Get } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import type { DomainEntity } from '../../db/entities';
import { DomainsService } from '../../services/domains.service';
import { boolQuery } from '../validation';
import { ApiLinks, Json } from '../links';
import { Resource, ResourceController } from '../resource.controller';
import { domainView } from './domains.view';
import { DomainCreate, domainCreate, DomainUpdate, domainUpdate } from './domains.schema';
import { QueryParam } from '../query-param';

/** `/v3/domains`. */
@Controller('v3/domains')
export class DomainsController extends ResourceController<DomainEntity, DomainCreate, DomainUpdate> {
  protected readonly resource: Resource<DomainEntity, DomainCreate, DomainUpdate>;

  constructor(
    private readonly domains: DomainsService,
    protected readonly links: ApiLinks,
  ) {
    super();
    this.resource = { member: 'domain', view: domainView, createBody: domainCreate, updateBody: domainUpdate, service: domains };
  }

  @Get()
  async list(@Auth() auth: AuthContext, @QueryParam('name') name?: string, @QueryParam('enabled') enabled?: string): Promise<Json> {
    return this.many('domains', await this.domains.list(auth, { name, enabled: boolQuery(enabled) }));
  }
}
