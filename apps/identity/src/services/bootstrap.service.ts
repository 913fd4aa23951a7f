import { Inject, Injectable } from '@nestjs/common';
import { IDENTITY_CONFIG, IdentityConfig } from '../config';
import { EndpointInterface } from '../db/entities';
import { AssignmentRepository } from '../db/repositories/assignment.repository';
import { CatalogRepository } from '../db/repositories/catalog.repository';
import { ResourceRepository } from '../db/repositories/resource.repository';
import { CatalogService } from './catalog.service';
import { ChangeFeed } from './events';
import { newId, PasswordHasher } from './primitives';

export const DEFAULT_DOMAIN_ID = 'default';

/**
 * The API services Kumo knows and their URL forms (API-SURFACE.md §0.1). Bootstrap registers
 * identity only; every other one is registered by whoever deploys it (`kumo-manage catalog
 * register`, which stack.sh runs for each service it starts), so the catalog never names an
 * endpoint where nothing answers.
 */
export const CATALOG_SERVICES: Array<{ type: string; name: string; port: number; path: string }> = [
  { type: 'identity', name: 'keystone', port: 5000, path: '/v3' },
  { type: 'compute', name: 'nova', port: 8774, path: '/v2.1' },
  { type: 'image', name: 'glance', port: 9292, path: '' },
  { type: 'volumev3', name: 'cinderv3', port: 8776, path: '/v3/%(project_id)s' },
  { type: 'block-storage', name: 'cinder', port: 8776, path: '/v3/%(project_id)s' },
  { type: 'network', name: 'neutron', port: 9696, path: '' },
  { type: 'object-store', name: 'swift', port: 8080, path: '/v1/AUTH_%(project_id)s' },
];

export interface CatalogEntry {
  type: string;
  /** Default: Kumo's name for the type (CATALOG_SERVICES), e.g. glance for image. */
  name?: string;
  /** The public URL; internal and admin default to it. Default: Kumo's port and path on the configured catalog hosts. */
  url?: string;
  internalUrl?: string;
  adminUrl?: string;
}

export interface BootstrapOptions {
  adminPassword: string;
  adminUser?: string;
  adminProject?: string;
}

/**
 * `kumo-manage bootstrap`: the Default domain, admin project/user, the roles, the service project
 * and user, and identity's own catalog entry; `kumo-manage catalog register|remove|prune` the
 * other services' entries. Idempotent: what exists is kept (endpoint URLs and the admin password
 * are brought to the given values); each step reports what it did.
 */
@Injectable()
export class BootstrapService {
  constructor(
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
    private readonly resources: ResourceRepository,
    private readonly assignments: AssignmentRepository,
    private readonly catalog: CatalogRepository,
    private readonly hasher: PasswordHasher,
    private readonly changes: ChangeFeed,
    private readonly catalogs: CatalogService,
  ) {}

  async run(opts: BootstrapOptions, log: (line: string) => void = () => undefined): Promise<void> {
    const cfg = this.config.identity;
    if (!(await this.resources.findDomain(DEFAULT_DOMAIN_ID))) {
      await this.resources.insertDomain({
        id: DEFAULT_DOMAIN_ID,
        name: 'Default',
        description: 'The default domain',
        enabled: true,
        tags: [],
      });
      log('created domain Default (id default)');
    }
    const roles: Record<string, string> = {};
    for (const name of ['admin', 'member', 'reader', 'service']) {
      let role = await this.assignments.findRoleByName(name);
      if (!role) {
        role = { id: newId(), name, domainId: null, description: null, options: {} };
        await this.assignments.insertRole(role);
        log(`created role ${name}`);
      }
      roles[name] = role.id;
    }
    // Keystone bootstrap's implied roles, stored as rules (docs/adr/0003-admin-role.md)
    for (const [prior, implied] of [['admin', 'member'], ['member', 'reader']]) {
      if (!(await this.assignments.impliedRuleExists(roles[prior], roles[implied]))) {
        await this.assignments.insertImpliedRule(roles[prior], roles[implied]);
        log(`created implied role: ${prior} implies ${implied}`);
      }
    }
    const adminProject = await this.ensureProject(opts.adminProject ?? 'admin', 'Bootstrap project for initializing the cloud.', log);
    const serviceProject = await this.ensureProject('service', 'Project of the Kumo service users.', log);
    const admin = await this.ensureUser(opts.adminUser ?? 'admin', opts.adminPassword, adminProject, log);
    await this.grant(admin, 'project', adminProject, roles.admin);
    await this.grant(admin, 'system', 'all', roles.admin);
    if (cfg.service_password) {
      const svc = await this.ensureUser(cfg.service_user, cfg.service_password, serviceProject, log);
      await this.grant(svc, 'project', serviceProject, roles.admin);
      await this.grant(svc, 'project', serviceProject, roles.service);
    }
    await this.register({ type: 'identity' }, log);
    this.changes.changed();
  }

  /**
   * Registers a deployed service: the service (by type and name) and its public, internal and
   * admin endpoints in the configured region, created or brought to the given URLs. Idempotent.
   */
  async register(entry: CatalogEntry, log: (l: string) => void = () => undefined): Promise<void> {
    const known = CATALOG_SERVICES.find((s) => s.type === entry.type);
    const name = entry.name ?? known?.name;
    if (!name) throw new Error(`give the name of the ${entry.type} service (Kumo knows no default for that type)`);
    const urls = this.urlsOf(entry, known);
    const region = this.config.identity.region;
    if (!(await this.catalog.findRegion(region))) {
      await this.catalog.insertRegion({ id: region, description: null, parentRegionId: null });
      log(`created region ${region}`);
    }
    let service = (await this.catalog.listServices({ type: entry.type })).find((s) => s.name === name);
    if (!service) {
      service = { id: newId(), type: entry.type, name, description: null, enabled: true };
      await this.catalog.insertService(service);
      log(`created service ${entry.type} (${name})`);
    } else if (!service.enabled) {
      await this.catalog.updateService(service.id, { enabled: true });
      log(`enabled service ${entry.type} (${name})`);
    }
    const endpoints = await this.catalog.listEndpoints({ serviceId: service.id });
    let changed = !service.enabled;
    for (const iface of ['public', 'internal', 'admin'] as const) {
      const url = urls[iface];
      const existing = endpoints.find((e) => e.interface === iface && e.regionId === region);
      if (!existing) {
        await this.catalog.insertEndpoint({ id: newId(), serviceId: service.id, interface: iface, regionId: region, url, enabled: true });
        log(`created ${iface} endpoint ${url}`);
        changed = true;
      } else if (existing.url !== url || !existing.enabled) {
        await this.catalog.updateEndpoint(existing.id, { url, enabled: true });
        log(`updated ${iface} endpoint ${existing.url} -> ${url}`);
        changed = true;
      }
    }
    if (changed) await this.catalogs.changed();
    else log(`${entry.type} (${name}) is registered at ${urls.public}`);
  }

  /** Removes every service of the type with its endpoints (a service no longer deployed). Idempotent. */
  async remove(type: string, log: (l: string) => void = () => undefined): Promise<number> {
    const services = await this.catalog.listServices({ type });
    for (const s of services) {
      await this.catalog.deleteService(s.id);
      log(`removed service ${type}${s.name ? ` (${s.name})` : ''} and its endpoints`);
    }
    if (services.length) await this.catalogs.changed();
    return services.length;
  }

  /**
   * Removes the services of Kumo's types (CATALOG_SERVICES) that are not in `keep`, such as the
   * compute, network and volume entries an older bootstrap registered before those services
   * existed. Identity is always kept; services of other types (registered by an operator) are
   * never touched.
   */
  async prune(keep: string[], log: (l: string) => void = () => undefined): Promise<number> {
    let n = 0;
    for (const { type } of CATALOG_SERVICES) {
      if (type === 'identity' || keep.includes(type)) continue;
      n += await this.remove(type, log);
    }
    if (!n) log(`the catalog names no Kumo service but ${['identity', ...keep].join(', ')}`);
    return n;
  }

  private urlsOf(entry: CatalogEntry, known?: { port: number; path: string }): Record<EndpointInterface, string> {
    if (entry.url) {
      return { public: entry.url, internal: entry.internalUrl ?? entry.url, admin: entry.adminUrl ?? entry.internalUrl ?? entry.url };
    }
    if (!known) throw new Error(`give the URL of the ${entry.type} service (Kumo knows no default for that type)`);
    const cfg = this.config.identity;
    const hosts: Record<EndpointInterface, string> = {
      public: cfg.catalog_public_host,
      internal: cfg.catalog_internal_host ?? cfg.catalog_public_host,
      admin: cfg.catalog_admin_host ?? cfg.catalog_internal_host ?? cfg.catalog_public_host,
    };
    const at = (iface: EndpointInterface) => `http://${hosts[iface]}:${known.port}${known.path}`;
    return { public: at('public'), internal: entry.internalUrl ?? at('internal'), admin: entry.adminUrl ?? at('admin') };
  }

  private async ensureProject(name: string, description: string, log: (l: string) => void): Promise<string> {
    const existing = await this.resources.findProjectByName(DEFAULT_DOMAIN_ID, name);
    if (existing) return existing.id;
    const id = newId();
    await this.resources.insertProject({
      id,
      name,
      domainId: DEFAULT_DOMAIN_ID,
      parentId: null,
      description,
      enabled: true,
      tags: [],
    });
    log(`created project ${name}`);
    return id;
  }

  private async ensureUser(name: string, password: string, projectId: string, log: (l: string) => void): Promise<string> {
    const existing = await this.resources.findUserByName(DEFAULT_DOMAIN_ID, name);
    if (existing) {
      if (!(await this.hasher.verify(password, existing.passwordHash))) {
        await this.resources.updateUser(existing.id, { passwordHash: await this.hasher.hash(password), enabled: true });
        log(`reset the password of user ${name}`);
      }
      return existing.id;
    }
    const id = newId();
    await this.resources.insertUser({
      id,
      name,
      domainId: DEFAULT_DOMAIN_ID,
      enabled: true,
      passwordHash: await this.hasher.hash(password),
      defaultProjectId: projectId,
      description: null,
      email: null,
      options: {},
      extra: {},
    });
    log(`created user ${name}`);
    return id;
  }

  private async grant(userId: string, targetType: 'project' | 'system', targetId: string, roleId: string): Promise<void> {
    await this.assignments.grant({ actorType: 'user', actorId: userId, targetType, targetId, roleId });
  }
}
