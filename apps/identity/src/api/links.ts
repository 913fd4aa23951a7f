import { Inject, Injectable } from '@nestjs/common';
import { IDENTITY_CONFIG, IdentityConfig } from '../config';
import {
  ApplicationCredentialEntity,
  DomainEntity,
  EndpointEntity,
  GroupEntity,
  ProjectEntity,
  RegionEntity,
  RoleEntity,
  ServiceEntity,
  UserEntity,
} from '../db/entities';
import { isDomainProject, ProjectOrDomain } from '../services/projects.service';
import { keystoneTime } from '../services/token-codec';

type Json = Record<string, unknown>;

/** Keystone v3 JSON of every entity: exactly Keystone's keys, `links.self` on each. */
@Injectable()
export class IdentityViews {
  private readonly base: string;

  constructor(@Inject(IDENTITY_CONFIG) config: IdentityConfig) {
    this.base = `${config.identity.public_url.replace(/\/+$/, '')}/v3`;
  }

  url(path: string): string {
    return `${this.base}/${path}`;
  }

  /** `{"<key>": [...], "links": {self, previous, next}}` */
  list(key: string, items: Json[], selfPath: string): Json {
    return { [key]: items, links: { self: this.url(selfPath), previous: null, next: null } };
  }

  domain(d: DomainEntity): Json {
    return { id: d.id, name: d.name, description: d.description ?? '', enabled: d.enabled, tags: d.tags, options: {}, links: { self: this.url(`domains/${d.id}`) } };
  }

  /** Extra attributes first, so that no stored key can shadow a modelled one. */
  project(p: ProjectEntity): Json {
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
      links: { self: this.url(`projects/${p.id}`) },
    };
  }

  /** A project, or a domain as Keystone shows a project acting as a domain (no domain, no parent). */
  projectOrDomain(p: ProjectOrDomain): Json {
    if (!isDomainProject(p)) return this.project(p);
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
      links: { self: this.url(`projects/${p.id}`) },
    };
  }

  user(u: UserEntity): Json {
    const out: Json = { ...u.extra, id: u.id, name: u.name, domain_id: u.domainId, enabled: u.enabled, password_expires_at: null, options: u.options };
    if (u.defaultProjectId) out.default_project_id = u.defaultProjectId;
    if (u.description !== null) out.description = u.description;
    if (u.email !== null) out.email = u.email;
    out.links = { self: this.url(`users/${u.id}`) };
    return out;
  }

  group(g: GroupEntity): Json {
    return { id: g.id, name: g.name, domain_id: g.domainId, description: g.description ?? '', links: { self: this.url(`groups/${g.id}`) } };
  }

  role(r: RoleEntity): Json {
    const out: Json = { id: r.id, name: r.name, domain_id: r.domainId, options: r.options, links: { self: this.url(`roles/${r.id}`) } };
    if (r.description !== null) out.description = r.description;
    return out;
  }

  /** `{"role_inference": {"prior_role", "implies"}}`: `implies` one role (`single`) or a list; `links.self` when a path is given. */
  roleInference(r: { prior: RoleEntity; implies: RoleEntity[] }, selfPath?: string, single = false): { role_inference: Json; links?: Json } {
    const ref = (x: RoleEntity): Json => ({ id: x.id, name: x.name, links: { self: this.url(`roles/${x.id}`) } });
    const out: { role_inference: Json; links?: Json } = { role_inference: { prior_role: ref(r.prior), implies: single ? ref(r.implies[0]) : r.implies.map(ref) } };
    if (selfPath) out.links = { self: this.url(selfPath) };
    return out;
  }

  region(r: RegionEntity): Json {
    return { id: r.id, description: r.description ?? '', parent_region_id: r.parentRegionId, links: { self: this.url(`regions/${r.id}`) } };
  }

  service(s: ServiceEntity): Json {
    const out: Json = { id: s.id, type: s.type, name: s.name ?? '', enabled: s.enabled, links: { self: this.url(`services/${s.id}`) } };
    if (s.description !== null) out.description = s.description;
    return out;
  }

  endpoint(e: EndpointEntity): Json {
    return {
      id: e.id,
      interface: e.interface,
      region: e.regionId,
      region_id: e.regionId,
      service_id: e.serviceId,
      url: e.url,
      enabled: e.enabled,
      links: { self: this.url(`endpoints/${e.id}`) },
    };
  }

  /** Keystone's public attributes only (no user_id): the secret appears once, in the create response. */
  applicationCredential(a: ApplicationCredentialEntity, roles: RoleEntity[], secret?: string): Json {
    const out: Json = {
      id: a.id,
      name: a.name,
      description: a.description,
      project_id: a.projectId,
      expires_at: a.expiresAt ? keystoneTime(a.expiresAt, a.expiresAtMicros) : null,
      unrestricted: a.unrestricted,
      roles: roles.map((r) => ({ id: r.id, name: r.name, domain_id: r.domainId })),
      access_rules: [],
      links: { self: this.url(`users/${a.userId}/application_credentials/${a.id}`) },
    };
    if (secret !== undefined) out.secret = secret;
    return out;
  }
}
