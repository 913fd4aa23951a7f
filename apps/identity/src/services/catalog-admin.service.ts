import { Injectable } from '@nestjs/common';
import { BadRequest, Conflict, NotFound } from '@kumo/common';
import { AuthContext, PolicyEnforcer } from '@kumo/auth';
import { EndpointEntity, EndpointInterface, RegionEntity, ServiceEntity } from '../db/entities';
import { CatalogRepository } from '../db/repositories/catalog.repository';
import { ChangeFeed } from './events';
import { newId } from './primitives';

export interface EndpointInput {
  service_id?: string;
  interface?: EndpointInterface;
  url?: string;
  region_id?: string | null;
  region?: string | null;
  enabled?: boolean;
}

/** Regions, services and endpoints (the catalog's administration). Every change refreshes tokens' catalogs. */
@Injectable()
export class CatalogAdminService {
  constructor(
    private readonly repo: CatalogRepository,
    private readonly policy: PolicyEnforcer,
    private readonly changes: ChangeFeed,
  ) {}

  // regions
  async getRegion(auth: AuthContext, id: string): Promise<RegionEntity> {
    this.policy.enforce('identity:get_region', auth);
    const r = await this.repo.findRegion(id);
    if (!r) throw new NotFound(`Could not find region: ${id}.`);
    return r;
  }
  async listRegions(auth: AuthContext, f: { parent_region_id?: string }): Promise<RegionEntity[]> {
    this.policy.enforce('identity:list_regions', auth);
    return this.repo.listRegions(f.parent_region_id !== undefined ? { parentRegionId: f.parent_region_id } : {});
  }
  async createRegion(auth: AuthContext, input: { id?: string; description?: string | null; parent_region_id?: string | null }): Promise<RegionEntity> {
    this.policy.enforce('identity:create_region', auth);
    if (input.parent_region_id && !(await this.repo.findRegion(input.parent_region_id))) {
      throw new NotFound(`Could not find region: ${input.parent_region_id}.`);
    }
    const region = { id: input.id ?? newId(), description: input.description ?? null, parentRegionId: input.parent_region_id ?? null };
    await this.repo.insertRegion(region);
    return region;
  }
  async updateRegion(auth: AuthContext, id: string, input: { description?: string | null; parent_region_id?: string | null }): Promise<RegionEntity> {
    this.policy.enforce('identity:update_region', auth);
    await this.getRegion(auth, id);
    if (input.parent_region_id === id) throw new BadRequest('A region cannot be its own parent.');
    await this.repo.updateRegion(id, {
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.parent_region_id !== undefined ? { parentRegionId: input.parent_region_id } : {}),
    });
    return (await this.repo.findRegion(id))!;
  }
  async deleteRegion(auth: AuthContext, id: string): Promise<void> {
    this.policy.enforce('identity:delete_region', auth);
    await this.getRegion(auth, id);
    if ((await this.repo.countEndpointsInRegion(id)) > 0) throw new Conflict(`Region ${id} still has endpoints; delete them first.`);
    await this.repo.deleteRegion(id);
  }

  // services
  async getService(auth: AuthContext, id: string): Promise<ServiceEntity> {
    this.policy.enforce('identity:get_service', auth);
    const s = await this.repo.findService(id);
    if (!s) throw new NotFound(`Could not find service: ${id}.`);
    return s;
  }
  async listServices(auth: AuthContext, f: { type?: string; name?: string }): Promise<ServiceEntity[]> {
    this.policy.enforce('identity:list_services', auth);
    const services = await this.repo.listServices(f.type !== undefined ? { type: f.type } : {});
    return f.name !== undefined ? services.filter((s) => s.name === f.name) : services;
  }
  async createService(auth: AuthContext, input: { type: string; name?: string; description?: string | null; enabled?: boolean }): Promise<ServiceEntity> {
    this.policy.enforce('identity:create_service', auth);
    const s = { id: newId(), type: input.type, name: input.name ?? null, description: input.description ?? null, enabled: input.enabled ?? true };
    await this.repo.insertService(s);
    this.changes.changed();
    return s;
  }
  async updateService(auth: AuthContext, id: string, input: { type?: string; name?: string; description?: string | null; enabled?: boolean }): Promise<ServiceEntity> {
    this.policy.enforce('identity:update_service', auth);
    await this.getService(auth, id);
    await this.repo.updateService(id, {
      ...(input.type !== undefined ? { type: input.type } : {}),
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
    });
    this.changes.changed();
    return (await this.repo.findService(id))!;
  }
  async deleteService(auth: AuthContext, id: string): Promise<void> {
    this.policy.enforce('identity:delete_service', auth);
    await this.getService(auth, id);
    await this.repo.deleteService(id);
    this.changes.changed();
  }

  // endpoints
  async getEndpoint(auth: AuthContext, id: string): Promise<EndpointEntity> {
    this.policy.enforce('identity:get_endpoint', auth);
    const e = await this.repo.findEndpoint(id);
    if (!e) throw new NotFound(`Could not find endpoint: ${id}.`);
    return e;
  }
  async listEndpoints(auth: AuthContext, f: { service_id?: string; interface?: string; region_id?: string }): Promise<EndpointEntity[]> {
    this.policy.enforce('identity:list_endpoints', auth);
    const where: { serviceId?: string; interface?: EndpointInterface; regionId?: string } = {};
    if (f.service_id !== undefined) where.serviceId = f.service_id;
    if (f.interface !== undefined) where.interface = f.interface as EndpointInterface;
    if (f.region_id !== undefined) where.regionId = f.region_id;
    return this.repo.listEndpoints(where);
  }
  private async checkRefs(input: EndpointInput): Promise<void> {
    if (input.service_id !== undefined && !(await this.repo.findService(input.service_id))) throw new NotFound(`Could not find service: ${input.service_id}.`);
    const region = input.region_id ?? input.region;
    if (region && !(await this.repo.findRegion(region))) throw new NotFound(`Could not find region: ${region}.`);
  }
  async createEndpoint(auth: AuthContext, input: EndpointInput & { service_id: string; interface: EndpointInterface; url: string }): Promise<EndpointEntity> {
    this.policy.enforce('identity:create_endpoint', auth);
    await this.checkRefs(input);
    const e: EndpointEntity = {
      id: newId(),
      serviceId: input.service_id,
      interface: input.interface,
      url: input.url,
      regionId: input.region_id ?? input.region ?? null,
      enabled: input.enabled ?? true,
    };
    await this.repo.insertEndpoint(e);
    this.changes.changed();
    return e;
  }
  async updateEndpoint(auth: AuthContext, id: string, input: EndpointInput): Promise<EndpointEntity> {
    this.policy.enforce('identity:update_endpoint', auth);
    await this.getEndpoint(auth, id);
    await this.checkRefs(input);
    const region = input.region_id !== undefined ? input.region_id : input.region;
    await this.repo.updateEndpoint(id, {
      ...(input.service_id !== undefined ? { serviceId: input.service_id } : {}),
      ...(input.interface !== undefined ? { interface: input.interface } : {}),
      ...(input.url !== undefined ? { url: input.url } : {}),
      ...(region !== undefined ? { regionId: region } : {}),
      ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
    });
    this.changes.changed();
    return (await this.repo.findEndpoint(id))!;
  }
  async deleteEndpoint(auth: AuthContext, id: string): Promise<void> {
    this.policy.enforce('identity:delete_endpoint', auth);
    await this.getEndpoint(auth, id);
    await this.repo.deleteEndpoint(id);
    this.changes.changed();
  }
}
