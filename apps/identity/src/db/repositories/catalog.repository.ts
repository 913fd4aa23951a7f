import { Inject, Injectable } from '@nestjs/common';
import { DataSource, FindOptionsWhere, In } from 'typeorm';
import { EndpointEntity, RegionEntity, ServiceEntity } from '../entities';
import { DATA_SOURCE, rethrowDuplicate } from './resource.repository';

/** Regions, services and endpoints: the catalog. */
@Injectable()
export class CatalogRepository {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}

  private get regions() {
    return this.ds.getRepository(RegionEntity);
  }
  private get services() {
    return this.ds.getRepository(ServiceEntity);
  }
  private get endpoints() {
    return this.ds.getRepository(EndpointEntity);
  }

  findRegion(id: string): Promise<RegionEntity | null> {
    return this.regions.findOneBy({ id });
  }
  listRegions(where: FindOptionsWhere<RegionEntity> = {}): Promise<RegionEntity[]> {
    return this.regions.find({ where, order: { id: 'ASC' } });
  }
  async insertRegion(r: RegionEntity): Promise<void> {
    try {
      await this.regions.insert(r);
    } catch (err) {
      rethrowDuplicate(err, `Conflict occurred attempting to store region - Duplicate ID, ${r.id}.`);
    }
  }
  async updateRegion(id: string, patch: Partial<RegionEntity>): Promise<void> {
    if (changes(patch)) await this.regions.update({ id }, patch);
  }
  async deleteRegion(id: string): Promise<void> {
    await this.regions.delete({ id });
  }
  /** Deletes regions (a region and its descendants) in one statement. */
  async deleteRegions(ids: string[]): Promise<void> {
    if (ids.length) await this.regions.delete({ id: In(ids) });
  }
  countEndpointsInRegions(ids: string[]): Promise<number> {
    return ids.length ? this.endpoints.countBy({ regionId: In(ids) }) : Promise.resolve(0);
  }
  countEndpointsInRegion(id: string): Promise<number> {
    return this.endpoints.countBy({ regionId: id });
  }

  findService(id: string): Promise<ServiceEntity | null> {
    return this.services.findOneBy({ id });
  }
  listServices(where: FindOptionsWhere<ServiceEntity> = {}): Promise<ServiceEntity[]> {
    return this.services.find({ where, order: { type: 'ASC', name: 'ASC' } });
  }
  async insertService(s: ServiceEntity): Promise<void> {
    await this.services.insert(s);
  }
  async updateService(id: string, patch: Partial<ServiceEntity>): Promise<void> {
    if (changes(patch)) await this.services.update({ id }, patch);
  }
  async deleteService(id: string): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.delete(EndpointEntity, { serviceId: id });
      await m.delete(ServiceEntity, { id });
    });
  }

  findEndpoint(id: string): Promise<EndpointEntity | null> {
    return this.endpoints.findOneBy({ id });
  }
  listEndpoints(where: FindOptionsWhere<EndpointEntity> = {}): Promise<EndpointEntity[]> {
    return this.endpoints.find({ where, order: { serviceId: 'ASC', interface: 'ASC' } });
  }
  async insertEndpoint(e: EndpointEntity): Promise<void> {
    await this.endpoints.insert(e);
  }
  async updateEndpoint(id: string, patch: Partial<EndpointEntity>): Promise<void> {
    if (changes(patch)) await this.endpoints.update({ id }, patch);
  }
  async deleteEndpoint(id: string): Promise<void> {
    await this.endpoints.delete({ id });
  }
}

/** An UPDATE needs a column to set: a PATCH of attributes Kumo does not keep changes nothing. */
function changes(patch: object): boolean {
  return Object.keys(patch).length > 0;
}
