import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CatalogRepository } from '../db/repositories/catalog.repository';
import { EventPublisher } from './events';

/** Published on every catalog write; every identity process drops its built catalog. */
export const CATALOG_CHANGED_EVENT = 'identity.catalog.changed';

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
const HAS_PROJECT_TEMPLATE = /%\((project_id|tenant_id)\)s/;

/**
 * How long a built catalog is used: while change events arrive, a fallback only (an event lost on
 * the way costs at most this long); while they cannot (no bus, the bus down, before the
 * subscription runs), as short as the old poll, so a write elsewhere shows within seconds.
 */
export const CATALOG_FALLBACK_REFRESH_MS = 300_000;
export const CATALOG_REFRESH_WITHOUT_EVENTS_MS = 5_000;

/**
 * The service catalog of a token, built from enabled services and endpoints. `%(project_id)s`
 * (and `%(tenant_id)s`) are substituted; such endpoints are left out of tokens without a project.
 * The built catalog is kept until a catalog write here (`changed`), a change event from another
 * identity process or `kumo-manage` (`onChangeEvent`), or the refresh interval above.
 */
@Injectable()
export class CatalogService {
  private cached?: Promise<CatalogEntry[]>;
  private cachedAt = 0;
  private feedLive = false;
  /** Tells this process's own events from the others'. */
  private readonly origin = randomUUID();
  /** Catalog builds (tests, logs). */
  builds = 0;

  constructor(
    private readonly repo: CatalogRepository,
    private readonly events: EventPublisher,
  ) {}

  /** How long a built catalog is used now. */
  get refreshMs(): number {
    return this.feedLive ? CATALOG_FALLBACK_REFRESH_MS : CATALOG_REFRESH_WITHOUT_EVENTS_MS;
  }

  /** After a catalog write in this process: rebuilt on next use here, and the others told (best effort). */
  async changed(): Promise<void> {
    this.cached = undefined;
    await this.events.publish(CATALOG_CHANGED_EVENT, { origin: this.origin });
  }

  /** A change event from the bus; this process's own are ignored. Answers whether it dropped the catalog. */
  onChangeEvent(payload: Record<string, unknown>): boolean {
    if (payload.origin === this.origin) return false;
    this.cached = undefined;
    return true;
  }

  /** Whether change events arrive. Coming back, the catalog is rebuilt: an event may have been missed meanwhile. */
  setChangeFeed(live: boolean): void {
    if (live && !this.feedLive) this.cached = undefined;
    this.feedLive = live;
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
    if (!this.cached || Date.now() - this.cachedAt > this.refreshMs) {
      this.cachedAt = Date.now();
      this.builds++;
      const built = this.build().catch((err) => {
        if (this.cached === built) this.cached = undefined;
        throw err;
      });
      this.cached = built;
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
