import { Injectable } from '@nestjs/common';
import { BadRequest, Forbidden, NotFound } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { ProjectEntity } from '../db/entities';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { AssignmentService } from './assignment.service';
import { DEFAULT_DOMAIN_ID } from './bootstrap.service';
import { ChangeFeed } from './events';
import { newId } from './primitives';
import { RevocationService } from './revocation.service';

export interface ProjectInput {
  name?: string;
  description?: string | null;
  domain_id?: string | null;
  parent_id?: string | null;
  enabled?: boolean;
  tags?: string[];
}

export interface ProjectFilter {
  name?: string;
  domain_id?: string;
  enabled?: boolean;
  parent_id?: string;
}

@Injectable()
export class ProjectsService {
  constructor(
    private readonly repo: ResourceRepository,
    private readonly assignments: AssignmentService,
    private readonly policy: PolicyEnforcer,
    private readonly revocations: RevocationService,
    private readonly changes: ChangeFeed,
  ) {}

  /** Policy first, then existence: a caller who may not see a project learns nothing about it. */
  async get(auth: AuthContext, id: string): Promise<ProjectEntity> {
    this.policy.enforce('identity:get_project', auth, { project_id: id });
    const project = await this.repo.findProject(id);
    if (!project) throw new NotFound(`Could not find project: ${id}.`);
    return project;
  }

  async list(auth: AuthContext, f: ProjectFilter): Promise<ProjectEntity[]> {
    this.policy.enforce('identity:list_projects', auth);
    const where: { name?: string; domainId?: string; enabled?: boolean } = {};
    if (f.name !== undefined) where.name = f.name;
    if (f.domain_id !== undefined) where.domainId = f.domain_id;
    if (f.enabled !== undefined) where.enabled = f.enabled;
    let projects = await this.repo.listProjects(where);
    if (f.parent_id !== undefined) projects = projects.filter((p) => (p.parentId ?? p.domainId) === f.parent_id);
    return projects;
  }

  async listForUser(auth: AuthContext, userId: string): Promise<ProjectEntity[]> {
    this.policy.enforce('identity:list_user_projects', auth, { user_id: userId });
    if (!(await this.repo.findUser(userId))) throw new NotFound(`Could not find user: ${userId}.`);
    return this.repo.listProjectsByIds(await this.assignments.projectIdsOfUser(userId));
  }

  async create(auth: AuthContext, input: ProjectInput & { name: string }): Promise<ProjectEntity> {
    this.policy.enforce('identity:create_project', auth);
    let domainId = input.domain_id ?? undefined;
    let parentId: string | null = null;
    if (input.parent_id) {
      const parent = await this.repo.findProject(input.parent_id);
      if (!parent) {
        // Keystone accepts a domain id as parent_id: that is a top-level project
        const domainParent = await this.repo.findDomain(input.parent_id);
        if (!domainParent) throw new NotFound(`Could not find project: ${input.parent_id}.`);
        domainId ??= domainParent.id;
      } else {
        if (domainId && domainId !== parent.domainId) throw new BadRequest('A project must be in the same domain as its parent.');
        domainId = parent.domainId;
        parentId = parent.id;
      }
    }
    domainId ??= auth.projectDomainId ?? auth.domainId ?? DEFAULT_DOMAIN_ID;
    if (!(await this.repo.findDomain(domainId))) throw new NotFound(`Could not find domain: ${domainId}.`);
    const id = newId();
    await this.repo.insertProject({
      id,
      name: input.name,
      domainId,
      parentId,
      description: input.description ?? null,
      enabled: input.enabled ?? true,
      tags: input.tags ?? [],
    });
    return (await this.repo.findProject(id))!;
  }

  async update(auth: AuthContext, id: string, input: ProjectInput & { is_domain?: boolean }): Promise<ProjectEntity> {
    this.policy.enforce('identity:update_project', auth, { project_id: id });
    const project = await this.get(auth, id);
    if (input.domain_id !== undefined && input.domain_id !== project.domainId) throw new BadRequest("Updating a project's domain_id is not allowed.");
    if (input.parent_id !== undefined && (input.parent_id ?? project.domainId) !== (project.parentId ?? project.domainId))
      throw new Forbidden("Updating a project's parent_id is not allowed.");
    if (input.is_domain) throw new BadRequest("Updating a project's is_domain is not allowed.");
    await this.repo.updateProject(id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      ...(input.tags !== undefined ? { tags: input.tags } : {}),
    });
    if (project.enabled && input.enabled === false) await this.revocations.revoke({ projectId: id });
    this.changes.changed();
    return (await this.repo.findProject(id))!;
  }

  async delete(auth: AuthContext, id: string): Promise<void> {
    this.policy.enforce('identity:delete_project', auth, { project_id: id });
    await this.get(auth, id);
    if ((await this.repo.countChildren(id)) > 0) {
      throw new Forbidden(`Cannot delete the project ${id} since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a subtree.`);
    }
    await this.repo.deleteProject(id);
    await this.revocations.revoke({ projectId: id });
  }
}
