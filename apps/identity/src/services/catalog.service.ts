import { Injectable } from '@nestjs/common';
import { CatalogRepository } from '../db/repositories/catalog.repository';
import { ChangeFeed } from './events';

export interface CatalogEndpoint {
  id: string;
  interface: string;
  region: string | null;
  region_id: string | null;
  url: string;
}
export interface CatalogEntry {
  type: string;
  name: string;
  id: string;
  endpoints: CatalogEndpoint[];
}

const PROJECT_TEMPLATE = /%\((project_id|tenant_id)\)s/g;
const CATALOG_REFRESH_MS = 5_000;
const HAS_PROJECT_TEMPLATE = /%\((project_id|tenant_id)\)s/;

/**
 * The service catalog of a token, built from enabled services and endpoints. `%(project_id)s`
 * (and `%(tenant_id)s`) are substituted; such endpoints are left out of tokens without a project.
 */
@Injectable()
export class CatalogService {
  private cached?: Promise<CatalogEntry[]>;
  /** Rebuilt at least this often: `kumo-manage catalog` and other identity processes write it too. */
  private cachedAt = 0;

  constructor(
    private readonly repo: CatalogRepository,
    changes: ChangeFeed,
  ) {
    changes.onChange(() => (this.cached = undefined));
  }

  async forProject(projectId: string | undefined): Promise<CatalogEntry[]> {
    const template = await this.template();
    return template
      .map((svc) => ({
        ...svc,
        endpoints: svc.endpoints
          .filter((e) => projectId !== undefined || !HAS_PROJECT_TEMPLATE.test(e.url))
          .map((e) => (projectId === undefined ? e : { ...e, url: e.url.replace(PROJECT_TEMPLATE, projectId) })),
      }))
      .filter((svc) => svc.endpoints.length > 0);
  }

  private template(): Promise<CatalogEntry[]> {
    if (!this.cached || Date.now() - this.cachedAt > CATALOG_REFRESH_MS) {
      this.cachedAt = Date.now();
      this.cached = this.build().catch((err) => {
        this.cached = undefined;
        throw err;
      });
    }
    return this.cached;
  }

  private async build(): Promise<CatalogEntry[]> {
    const [services, endpoints] = await Promise.all([
      this.repo.listServices({ enabled: true }),
      this.repo.listEndpoints({ enabled: true }),
    ]);
    return services.map((s) => ({
      type: s.type,
      name: s.name ?? '',
      id: s.id,
      endpoints: endpoints
        .filter((e) => e.serviceId === s.id)
        .map((e) => ({ id: e.id, interface: e.interface, region: e.regionId, region_id: e.regionId, url: e.url })),
    }));
  }
}
