import { Controller, Get } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { ProjectOrDomain, ProjectsService } from '../../services/projects.service';
import { boolQuery } from '../validation';
import { ApiLinks, Json } from '../links';
import { Resource, ResourceController } from '../resource.controller';
import { projectOrDomainView } from './projects.view';
import { ProjectCreate, projectCreate, ProjectUpdate, projectUpdate } from './projects.schema';
import { QueryParam } from '../query-param';

/** `/v3/projects` (a user's projects are under /v3/users/{id}/projects). */
@Controller('v3/projects')
export class ProjectsController extends ResourceController<ProjectOrDomain, ProjectCreate, ProjectUpdate> {
  protected readonly resource: Resource<ProjectOrDomain, ProjectCreate, ProjectUpdate>;

  constructor(
    private readonly projects: ProjectsService,
    protected readonly links: ApiLinks,
  ) {
    super();
    this.resource = { member: 'project', view: projectOrDomainView, createBody: projectCreate, updateBody: projectUpdate, service: projects };
  }

  @Get()
  async list(
    @Auth() auth: AuthContext,
    @QueryParam('name') name?: string,
    @QueryParam('domain_id') domainId?: string,
    @QueryParam('enabled') enabled?: string,
    @QueryParam('parent_id') parentId?: string,
    @QueryParam('is_domain') isDomain?: string,
  ): Promise<Json> {
    const filter = { name, domain_id: domainId, enabled: boolQuery(enabled), parent_id: parentId, is_domain: boolQuery(isDomain, 'is_domain') };
    return this.many('projects', await this.projects.list(auth, filter));
  }
}
