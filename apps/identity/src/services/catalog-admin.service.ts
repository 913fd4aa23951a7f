import { Injectable } from '@nestjs/common';
import { BadRequest, Conflict, Forbidden, NotFound } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { EndpointEntity, EndpointInterface, RegionEntity, ServiceEntity } from '../db/entities';
import { CatalogRepository } from '../db/repositories/catalog.repository';
import { CatalogService } from './catalog.service';
import { given, newId } from './primitives';

export interface RegionInput {
  id?: string;
  description?: string | null;
  parent_region_id?: string | null;
}

export interface ServiceInput {
  type?: string;
  name?: string;
  description?: string | null;
  enabled?: boolean;
}

export interface EndpointInput {
  service_id?: string;
  interface?: EndpointInterface;
  url?: string;
  /** `region_id` and the older `region` both name the region; `region_id` wins (`region` creates a missing region). */
  region_id?: string | null;
  region?: string | null;
  enabled?: boolean;
}

/** Keystone's ValidationError for a reference to a missing row. */
function missingRef(attribute: string, table: string): BadRequest {
  return new BadRequest(
    `Expecting to find ${attribute} in ${table}. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
  );
}

/**
 * Regions, services and endpoints (the catalog's administration). Every change refreshes tokens'
 * catalogs, in this identity process and (through the bus) in the others.
 */
@Injectable()
export class CatalogAdminService {
  constructor(
    private readonly repo: CatalogRepository,
    private readonly policy: PolicyEnforcer,
    private readonly catalogs: CatalogService,
  ) {}

  // regions

  async getRegion(auth: AuthContext, id: string): Promise<RegionEntity> {
    this.policy.enforce('identity:get_region', auth);
    return this.findRegion(id);
  }

  async listRegions(auth: AuthContext, f: { parent_region_id?: string }): Promise<RegionEntity[]> {
    this.policy.enforce('identity:list_regions', auth);
    return this.repo.listRegions(f.parent_region_id !== undefined ? { parentRegionId: f.parent_region_id } : {});
  }

  /** POST /v3/regions (id optional) and PUT /v3/regions/{id}. */
  async createRegion(auth: AuthContext, input: RegionInput): Promise<RegionEntity> {
    this.policy.enforce('identity:create_region', auth);
    if (input.parent_region_id) await this.findRegion(input.parent_region_id);
    const region: RegionEntity = { id: input.id ?? newId(), description: input.description ?? null, parentRegionId: input.parent_region_id ?? null };
    await this.repo.insertRegion(region);
    await this.catalogs.changed();
    return region;
  }

  async updateRegion(auth: AuthContext, id: string, input: RegionInput): Promise<RegionEntity> {
    this.policy.enforce('identity:update_region', auth);
    await this.findRegion(id);
    if (input.parent_region_id) {
      await this.findRegion(input.parent_region_id);
      if (await this.isInSubtree(input.parent_region_id, id)) {
        throw new BadRequest(`The specified parent region ${input.parent_region_id} would create a circular region hierarchy.`);
      }
    }
    await this.repo.updateRegion(id, given({ description: input.description, parentRegionId: input.parent_region_id }));
    await this.catalogs.changed();
    return this.findRegion(id);
  }

  /** Deletes the region and its child regions, unless one of them still has endpoints (403, as Keystone). */
  async deleteRegion(auth: AuthContext, id: string): Promise<void> {
    this.policy.enforce('identity:delete_region', auth);
    await this.findRegion(id);
    const subtree = await this.subtree(id);
    if ((await this.repo.countEndpointsInRegions(subtree)) > 0) {
      throw new Forbidden(`Unable to delete region ${id} because it or its child regions have associated endpoints.`);
    }
    await this.repo.deleteRegions(subtree);
    await this.catalogs.changed();
  }

  /** The region and all its descendants. */
  private async subtree(id: string): Promise<string[]> {
    const all = await this.repo.listRegions();
    const out = [id];
    for (let i = 0; i < out.length; i++) {
      for (const r of all) if (r.parentRegionId === out[i] && !out.includes(r.id)) out.push(r.id);
    }
    return out;
  }

  private async isInSubtree(candidate: string, root: string): Promise<boolean> {
    return (await this.subtree(root)).includes(candidate);
  }

  private async findRegion(id: string): Promise<RegionEntity> {
    const r = await this.repo.findRegion(id);
    if (!r) throw new NotFound(`Could not find region: ${id}.`);
    return r;
  }

  // services

  async getService(auth: AuthContext, id: string): Promise<ServiceEntity> {
    this.policy.enforce('identity:get_service', auth);
    return this.findService(id);
  }

  async listServices(auth: AuthContext, f: { type?: string; name?: string }): Promise<ServiceEntity[]> {
    this.policy.enforce('identity:list_services', auth);
    return this.repo.listServices(given({ type: f.type, name: f.name }));
  }

  async createService(auth: AuthContext, input: ServiceInput & { type: string }): Promise<ServiceEntity> {
    this.policy.enforce('identity:create_service', auth);
    const s: ServiceEntity = { id: newId(), type: input.type, name: input.name ?? '', description: input.description ?? null, enabled: input.enabled ?? true };
    await this.repo.insertService(s);
    await this.catalogs.changed();
    return s;
  }

  async updateService(auth: AuthContext, id: string, input: ServiceInput): Promise<ServiceEntity> {
    this.policy.enforce('identity:update_service', auth);
    await this.findService(id);
    await this.repo.updateService(id, given({ type: input.type, name: input.name, description: input.description, enabled: input.enabled }));
    await this.catalogs.changed();
    return this.findService(id);
  }

  /** Deletes the service and its endpoints. */
  async deleteService(auth: AuthContext, id: string): Promise<void> {
    this.policy.enforce('identity:delete_service', auth);
    await this.findService(id);
    await this.repo.deleteService(id);
    await this.catalogs.changed();
  }

  private async findService(id: string): Promise<ServiceEntity> {
    const s = await this.repo.findService(id);
    if (!s) throw new NotFound(`Could not find service: ${id}.`);
    return s;
  }

  // endpoints

  async getEndpoint(auth: AuthContext, id: string): Promise<EndpointEntity> {
    this.policy.enforce('identity:get_endpoint', auth);
    return this.findEndpoint(id);
  }

  async listEndpoints(auth: AuthContext, f: { service_id?: string; interface?: string; region_id?: string }): Promise<EndpointEntity[]> {
    this.policy.enforce('identity:list_endpoints', auth);
    return this.repo.listEndpoints(given({ serviceId: f.service_id, interface: f.interface as EndpointInterface | undefined, regionId: f.region_id }));
  }

  async createEndpoint(auth: AuthContext, input: EndpointInput & { service_id: string; interface: EndpointInterface; url: string }): Promise<EndpointEntity> {
    this.policy.enforce('identity:create_endpoint', auth);
    await this.checkRefs(input.service_id, input.region_id);
    const regionId = (await this.legacyRegion(input)) ?? null;
    const e: EndpointEntity = { id: newId(), serviceId: input.service_id, interface: input.interface, url: input.url, regionId, enabled: input.enabled ?? true };
    await this.repo.insertEndpoint(e);
    await this.catalogs.changed();
    return e;
  }

  async updateEndpoint(auth: AuthContext, id: string, input: EndpointInput): Promise<EndpointEntity> {
    this.policy.enforce('identity:update_endpoint', auth);
    await this.findEndpoint(id);
    await this.checkRefs(input.service_id, input.region_id);
    const regionId = await this.legacyRegion(input);
    await this.repo.updateEndpoint(id, given({ serviceId: input.service_id, interface: input.interface, url: input.url, regionId, enabled: input.enabled }));
    await this.catalogs.changed();
    return this.findEndpoint(id);
  }

  async deleteEndpoint(auth: AuthContext, id: string): Promise<void> {
    this.policy.enforce('identity:delete_endpoint', auth);
    await this.findEndpoint(id);
    await this.repo.deleteEndpoint(id);
    await this.catalogs.changed();
  }

  private async findEndpoint(id: string): Promise<EndpointEntity> {
    const e = await this.repo.findEndpoint(id);
    if (!e) throw new NotFound(`Could not find endpoint: ${id}.`);
    return e;
  }

  /**
   * The endpoint's region. A region named only by the older `region` attribute (what
   * `openstack endpoint create --region` sends) is created when missing, as Keystone does
   * (keystone/api/endpoints.py _validate_endpoint_region); a missing `region_id` is a 400.
   */
  private async legacyRegion(input: EndpointInput): Promise<string | null | undefined> {
    const regionId = regionOf(input);
    if (regionId && (input.region_id === undefined || input.region_id === null) && !(await this.repo.findRegion(regionId))) {
      try {
        await this.repo.insertRegion({ id: regionId, description: null, parentRegionId: null });
      } catch (err) {
        if (!(err instanceof Conflict)) throw err; // created meanwhile by another request
      }
    }
    return regionId;
  }

  /** An endpoint's service and region must exist (Keystone answers 400 otherwise). */
  private async checkRefs(serviceId: string | undefined, regionId: string | null | undefined): Promise<void> {
    if (serviceId !== undefined && !(await this.repo.findService(serviceId))) throw missingRef('endpoint service_id', 'service table');
    if (regionId && !(await this.repo.findRegion(regionId))) throw missingRef('endpoint region_id', 'region table');
  }
}

/** The region an endpoint body names: undefined when it names none. */
function regionOf(input: EndpointInput): string | null | undefined {
  return input.region_id !== undefined && input.region_id !== null ? input.region_id : (input.region ?? input.region_id);
}
