import { Injectable } from '@nestjs/common';
import { BadRequest, Forbidden, NotFound } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { DomainEntity, ProjectEntity } from '../db/entities';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { AssignmentService } from './assignment.service';
import { DEFAULT_DOMAIN_ID } from './bootstrap.service';
import { DomainsService } from './domains.service';
import { ChangeFeed } from './events';
import { given, newId } from './primitives';
import { RevocationService } from './revocation.service';

/** A project body as the API accepts it: the modelled attributes, and any other key (kept in `extra`). */
export type ProjectInput = Record<string, unknown> & {
  name?: string;
  description?: string | null;
  domain_id?: string | null;
  parent_id?: string | null;
  enabled?: boolean;
  is_domain?: boolean;
  tags?: string[];
  options?: Record<string, unknown>;
};

export interface ProjectFilter {
  name?: string;
  domain_id?: string;
  enabled?: boolean;
  parent_id?: string;
  /** true: only projects acting as domains (our domains); false or absent: only the others (Keystone). */
  is_domain?: boolean;
}

/** A project, or a domain seen through the projects API (Keystone's project acting as a domain). */
export type ProjectOrDomain = ProjectEntity | DomainEntity;

export function isDomainProject(p: ProjectOrDomain): p is DomainEntity {
  return !('domainId' in p);
}

/** Keys of a project body that are not extra attributes. */
const MODELLED = new Set(['id', 'name', 'domain_id', 'parent_id', 'description', 'enabled', 'is_domain', 'tags', 'options', 'links']);

function extraOf(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([k]) => !MODELLED.has(k)));
}

/**
 * Projects (a hierarchy inside a domain). Disabling or deleting one revokes the tokens scoped to it.
 * Keystone keeps domains as projects with `is_domain: true`; ours live apart, and this API shows
 * them as such projects: created with `is_domain`, listed with `?is_domain=true`, shown, updated
 * and deleted by id (through DomainsService).
 */
@Injectable()
export class ProjectsService {
  constructor(
    private readonly repo: ResourceRepository,
    private readonly assignments: AssignmentService,
    private readonly policy: PolicyEnforcer,
    private readonly revocations: RevocationService,
    private readonly changes: ChangeFeed,
    private readonly domains: DomainsService,
  ) {}

  /** Policy first, then existence: a caller who may not see a project learns nothing about it. */
  async get(auth: AuthContext, id: string): Promise<ProjectOrDomain> {
    this.policy.enforce('identity:get_project', auth, { project_id: id });
    return (await this.repo.findProject(id)) ?? (await this.repo.findDomain(id)) ?? this.find(id);
  }

  async list(auth: AuthContext, f: ProjectFilter): Promise<ProjectOrDomain[]> {
    this.policy.enforce('identity:list_projects', auth);
    if (f.is_domain) {
      // a project acting as a domain has no domain and no parent
      if (f.domain_id !== undefined || f.parent_id !== undefined) return [];
      return this.repo.listDomains(given({ name: f.name, enabled: f.enabled }));
    }
    const projects = await this.repo.listProjects(given({ name: f.name, domainId: f.domain_id, enabled: f.enabled }));
    // a top-level project's parent is its domain (as Keystone reports it)
    return f.parent_id === undefined ? projects : projects.filter((p) => (p.parentId ?? p.domainId) === f.parent_id);
  }

  /** GET /v3/users/{id}/projects: where the user has a role, directly or through a group. */
  async listForUser(auth: AuthContext, userId: string): Promise<ProjectEntity[]> {
    this.policy.enforce('identity:list_user_projects', auth, { user_id: userId });
    if (!(await this.repo.findUser(userId))) throw new NotFound(`Could not find user: ${userId}.`);
    return this.repo.listProjectsByIds(await this.assignments.projectIdsOfUser(userId));
  }

  async create(auth: AuthContext, input: ProjectInput & { name: string }): Promise<ProjectOrDomain> {
    this.policy.enforce('identity:create_project', auth);
    if (input.is_domain) {
      if (input.parent_id || input.domain_id) throw new BadRequest('only root projects are allowed to act as domains.');
      return this.domains.create(auth, { name: input.name, description: input.description, enabled: input.enabled, tags: input.tags });
    }
    let domainId = input.domain_id ?? undefined;
    let parentId: string | null = null;
    const enabled = input.enabled ?? true;
    if (input.parent_id) {
      const parent = await this.repo.findProject(input.parent_id);
      if (parent) {
        if (domainId && domainId !== parent.domainId) {
          throw new BadRequest(`Cannot create project, the parent (${parent.id}) is in a different domain (${parent.domainId}).`);
        }
        if (enabled && !parent.enabled) throw new Forbidden(`Cannot create an enabled project under the disabled parent ${parent.id}.`);
        domainId = parent.domainId;
        parentId = parent.id;
      } else {
        // Keystone accepts a domain id as parent_id: that is a top-level project of that domain
        const domain = await this.repo.findDomain(input.parent_id);
        if (!domain) throw new NotFound(`Could not find project: ${input.parent_id}.`);
        if (domainId && domainId !== domain.id) throw new BadRequest(`Cannot create project, the parent (${domain.id}) is in a different domain.`);
        domainId = domain.id;
      }
    }
    domainId ??= auth.projectDomainId ?? auth.domainId ?? DEFAULT_DOMAIN_ID;
    if (!(await this.repo.findDomain(domainId))) throw new NotFound(`Could not find domain: ${domainId}.`);
    const extra = extraOf(input);
    const id = newId();
    await this.repo.insertProject({
      id,
      name: input.name,
      domainId,
      parentId,
      description: input.description ?? null,
      enabled,
      tags: input.tags ?? [],
      extra: Object.keys(extra).length ? extra : null,
    });
    return this.find(id);
  }

  async update(auth: AuthContext, id: string, input: ProjectInput): Promise<ProjectOrDomain> {
    this.policy.enforce('identity:update_project', auth, { project_id: id });
    if (!(await this.repo.findProject(id)) && (await this.repo.findDomain(id))) {
      if (input.is_domain === false) throw new BadRequest('Update of `is_domain` is not allowed.');
      if (input.parent_id || input.domain_id) throw new BadRequest('only root projects are allowed to act as domains.');
      return this.domains.update(auth, id, { name: input.name, description: input.description, enabled: input.enabled, tags: input.tags });
    }
    const project = await this.find(id);
    if (input.domain_id !== undefined && input.domain_id !== project.domainId) throw new BadRequest('Cannot change Domain ID');
    if (input.parent_id !== undefined && (input.parent_id ?? project.domainId) !== (project.parentId ?? project.domainId)) {
      throw new Forbidden('Update of `parent_id` is not allowed.');
    }
    if (input.is_domain) throw new BadRequest('Update of `is_domain` is not allowed.');
    if (input.enabled === false && project.enabled) {
      const children = await this.repo.listProjects({ parentId: id, enabled: true });
      if (children.length) throw new Forbidden(`Cannot disable project ${id} since its subtree contains enabled projects.`);
    }
    if (input.enabled === true && !project.enabled && project.parentId) {
      const parent = await this.repo.findProject(project.parentId);
      if (parent && !parent.enabled) throw new Forbidden(`Cannot enable project ${id} since it has disabled parents.`);
    }
    const extra = extraOf(input);
    await this.repo.updateProject(id, {
      ...given({ name: input.name, description: input.description, enabled: input.enabled, tags: input.tags }),
      ...(Object.keys(extra).length ? { extra: { ...(project.extra ?? {}), ...extra } } : {}),
    });
    if (project.enabled && input.enabled === false) await this.revocations.revoke({ projectId: id });
    this.changes.changed();
    return this.find(id);
  }

  /** Only a leaf can be deleted; its grants and application credentials go with it. */
  async delete(auth: AuthContext, id: string): Promise<void> {
    this.policy.enforce('identity:delete_project', auth, { project_id: id });
    if (!(await this.repo.findProject(id)) && (await this.repo.findDomain(id))) return this.domains.delete(auth, id);
    await this.find(id);
    if ((await this.repo.countChildren(id)) > 0) {
      throw new Forbidden(`Cannot delete the project ${id} since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a subtree.`);
    }
    await this.repo.deleteProject(id);
    await this.revocations.revoke({ projectId: id });
  }

  private async find(id: string): Promise<ProjectEntity> {
    const project = await this.repo.findProject(id);
    if (!project) throw new NotFound(`Could not find project: ${id}.`);
    return project;
  }
}
