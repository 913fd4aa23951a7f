import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { ProjectsService } from '../../services/projects.service';
import { boolQuery, parseBody } from '../validation';
import { ApiLinks } from '../links';
import { projectOrDomainView } from './projects.view';
import { projectCreate, projectUpdate } from './projects.schema';
import { QueryParam } from '../query-param';

/** `/v3/projects` (a user's projects are under /v3/users/{id}/projects). */
@Controller('v3/projects')
export class ProjectsController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly links: ApiLinks,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Auth() auth: AuthContext, @Body() body: unknown): Promise<unknown> {
    return { project: projectOrDomainView(this.links, await this.projects.create(auth, parseBody(projectCreate, body).project)) };
  }

  @Get()
  async list(
    @Auth() auth: AuthContext,
    @QueryParam('name') name?: string,
    @QueryParam('domain_id') domainId?: string,
    @QueryParam('enabled') enabled?: string,
    @QueryParam('parent_id') parentId?: string,
    @QueryParam('is_domain') isDomain?: string,
  ): Promise<unknown> {
    const filter = { name, domain_id: domainId, enabled: boolQuery(enabled), parent_id: parentId, is_domain: boolQuery(isDomain, 'is_domain') };
    const projects = await this.projects.list(auth, filter);
    return this.links.list('projects', projects.map((p) => projectOrDomainView(this.links, p)), 'projects');
  }

  @Get(':id')
  async get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<unknown> {
    return { project: projectOrDomainView(this.links, await this.projects.get(auth, id)) };
  }

  @Patch(':id')
  async update(@Auth() auth: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<unknown> {
    return { project: projectOrDomainView(this.links, await this.projects.update(auth, id, parseBody(projectUpdate, body).project)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    await this.projects.delete(auth, id);
  }
}
