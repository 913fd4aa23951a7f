import { ProjectEntity } from '../../db/entities';
import { isDomainProject, ProjectOrDomain } from '../../services/projects.service';
import type { ApiLinks, Json } from '../links';

/** Extra attributes first, so that no stored key can shadow a modelled one. */
export function projectView(links: ApiLinks, p: ProjectEntity): Json {
  return {
    ...(p.extra ?? {}),
    id: p.id,
    name: p.name,
    domain_id: p.domainId,
    description: p.description ?? '',
    enabled: p.enabled,
    parent_id: p.parentId ?? p.domainId,
    is_domain: false,
    tags: p.tags,
    options: {},
    links: { self: links.url(`projects/${p.id}`) },
  };
}

/** A project, or a domain as Keystone shows a project acting as a domain (no domain, no parent). */
export function projectOrDomainView(links: ApiLinks, p: ProjectOrDomain): Json {
  if (!isDomainProject(p)) return projectView(links, p);
  return {
    id: p.id,
    name: p.name,
    domain_id: null,
    description: p.description ?? '',
    enabled: p.enabled,
    parent_id: null,
    is_domain: true,
    tags: p.tags,
    options: {},
    links: { self: links.url(`projects/${p.id}`) },
  };
}
