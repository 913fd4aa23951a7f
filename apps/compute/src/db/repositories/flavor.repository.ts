import { Brackets, DataSource, In, Repository, SelectQueryBuilder } from 'typeorm';
import { FlavorEntity, FlavorExtraSpecEntity, FlavorProjectEntity } from '../entities';
import { duplicateKey } from './db-errors';
import { EntityRows } from './entity-rows';

/** The compute service's data source (the DI token the repositories are built from). */
export const COMPUTE_DATA_SOURCE = Symbol('COMPUTE_DATA_SOURCE');

/** Who looks: an admin sees every flavor; anyone else the public ones and the private ones shared with their project. */
export interface FlavorViewer {
  admin: boolean;
  projectId?: string;
}

/** Flavor list filters and order (Nova's FlavorList.get_all). */
export interface FlavorListQuery {
  /** true: public (and those shared with the viewer's project); false: private only; null: all. */
  isPublic: boolean | null;
  disabled?: boolean;
  minMemoryMb?: number;
  minRootGb?: number;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  limit: number;
  marker?: string;
}

/** Nova's flavor sort keys (nova/api/openstack/compute/schemas/flavors.py) → columns. */
export const FLAVOR_SORT_COLUMNS: Readonly<Record<string, string>> = {
  created_at: 'created_at',
  description: 'description',
  disabled: 'disabled',
  ephemeral_gb: 'ephemeral_gb',
  flavorid: 'flavorid',
  id: 'id',
  is_public: 'is_public',
  memory_mb: 'memory_mb',
  name: 'name',
  root_gb: 'root_gb',
  rxtx_factor: 'rxtx_factor',
  swap: 'swap',
  updated_at: 'updated_at',
  vcpu_weight: 'vcpu_weight',
  vcpus: 'vcpus',
};

export type FlavorInsertResult = { ok: true; flavor: FlavorEntity } | { ok: false; duplicate: 'flavorid' | 'name' };

/** Flavors, their extra specs and access lists (tables flavor, flavor_extra_spec, flavor_project). */
export class FlavorRepository {
  private readonly flavors: Repository<FlavorEntity>;
  private readonly specs: Repository<FlavorExtraSpecEntity>;
  private readonly projects: Repository<FlavorProjectEntity>;

  private readonly rows: EntityRows<FlavorEntity>;

  constructor(private readonly ds: DataSource) {
    this.rows = new EntityRows(ds, FlavorEntity);
    this.flavors = ds.getRepository(FlavorEntity);
    this.specs = ds.getRepository(FlavorExtraSpecEntity);
    this.projects = ds.getRepository(FlavorProjectEntity);
  }

  private visibleTo(qb: SelectQueryBuilder<FlavorEntity>, viewer: FlavorViewer): SelectQueryBuilder<FlavorEntity> {
    if (viewer.admin) return qb;
    return qb.andWhere(
      new Brackets((w) => {
        w.where('f.is_public = 1');
        if (viewer.projectId !== undefined) w.orWhere('EXISTS (SELECT 1 FROM flavor_project p WHERE p.flavor_id = f.id AND p.project_id = :viewerProject)', { viewerProject: viewer.projectId });
      }),
    );
  }

  /** The flavor with this (public) id, if the viewer may see it. */
  find(flavorid: string, viewer: FlavorViewer): Promise<FlavorEntity | null> {
    return this.visibleTo(this.flavors.createQueryBuilder('f').where('f.flavorid = :flavorid', { flavorid }), viewer).getOne();
  }

  /**
   * find() and the flavor's extra specs in one statement (plain SQL: read at every create); null
   * when the viewer may not see it.
   */
  async findWithExtraSpecs(flavorid: string, viewer: FlavorViewer): Promise<{ flavor: FlavorEntity; extraSpecs: Record<string, string> } | null> {
    const visible = viewer.admin ? '' : viewer.projectId !== undefined ? ' AND (f.is_public = 1 OR EXISTS (SELECT 1 FROM flavor_project p WHERE p.flavor_id = f.id AND p.project_id = ?))' : ' AND f.is_public = 1';
    const rows = (await this.ds.query(
      `SELECT f.*, s.\`key\` AS extra_spec_key, s.value AS extra_spec_value FROM flavor f LEFT JOIN flavor_extra_spec s ON s.flavor_id = f.id WHERE f.flavorid = ?${visible} ORDER BY s.\`key\``,
      [flavorid, ...(!viewer.admin && viewer.projectId !== undefined ? [viewer.projectId] : [])],
    )) as Array<Record<string, unknown>>;
    if (!rows.length) return null;
    const extraSpecs: Record<string, string> = {};
    for (const r of rows) if (r.extra_spec_key !== null && r.extra_spec_key !== undefined) extraSpecs[String(r.extra_spec_key)] = String(r.extra_spec_value);
    return { flavor: this.rows.fromRow(rows[0]), extraSpecs };
  }

  /** A page of the flavors the viewer sees; `undefined` when the marker names none of them. */
  async list(q: FlavorListQuery, viewer: FlavorViewer): Promise<FlavorEntity[] | undefined> {
    const column = FLAVOR_SORT_COLUMNS[q.sortKey];
    if (!column) throw new Error(`unknown flavor sort key ${q.sortKey}`);
    const qb = this.visibleTo(this.flavors.createQueryBuilder('f'), viewer);
    if (q.minMemoryMb !== undefined) qb.andWhere('f.memory_mb >= :minRam', { minRam: q.minMemoryMb });
    if (q.minRootGb !== undefined) qb.andWhere('f.root_gb >= :minDisk', { minDisk: q.minRootGb });
    if (q.disabled !== undefined) qb.andWhere('f.disabled = :disabled', { disabled: q.disabled ? 1 : 0 });
    if (q.isPublic === false) qb.andWhere('f.is_public = 0');
    if (q.isPublic === true) {
      qb.andWhere(
        new Brackets((w) => {
          w.where('f.is_public = 1');
          if (viewer.projectId !== undefined) w.orWhere('EXISTS (SELECT 1 FROM flavor_project p2 WHERE p2.flavor_id = f.id AND p2.project_id = :listProject)', { listProject: viewer.projectId });
        }),
      );
    }
    if (q.marker !== undefined) {
      const marker = await this.find(q.marker, viewer);
      if (!marker) return undefined;
      const value = (marker as unknown as Record<string, unknown>)[this.propertyOf(column)];
      const asc = q.sortDir === 'asc';
      const col = `f.${column}`;
      const params = { markerValue: value, markerId: marker.id };
      if (column === 'id') qb.andWhere(asc ? 'f.id > :markerId' : 'f.id < :markerId', params);
      else if (value === null || value === undefined) {
        // NULL sorts first ascending and last descending
        qb.andWhere(asc ? `(${col} IS NOT NULL OR f.id > :markerId)` : `(${col} IS NULL AND f.id < :markerId)`, params);
      } else {
        qb.andWhere(asc ? `(${col} > :markerValue OR (${col} = :markerValue AND f.id > :markerId))` : `(${col} < :markerValue OR ${col} IS NULL OR (${col} = :markerValue AND f.id < :markerId))`, params);
      }
    }
    const dir = q.sortDir === 'asc' ? 'ASC' : 'DESC';
    qb.orderBy(`f.${column}`, dir);
    if (column !== 'id') qb.addOrderBy('f.id', dir);
    return qb.take(q.limit).getMany();
  }

  private propertyOf(column: string): string {
    return column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  }

  /** Stores a new flavor; a taken flavorid or name is reported, not thrown. */
  async insert(fields: Omit<FlavorEntity, 'id' | 'createdAt' | 'updatedAt'>): Promise<FlavorInsertResult> {
    try {
      const { identifiers } = await this.flavors.insert(fields);
      return { ok: true, flavor: await this.flavors.findOneByOrFail({ id: identifiers[0].id as number }) };
    } catch (err) {
      const key = duplicateKey(err);
      if (key === 'flavor_flavorid') return { ok: false, duplicate: 'flavorid' };
      if (key === 'flavor_name') return { ok: false, duplicate: 'name' };
      throw err;
    }
  }

  /** Deletes the flavor (its extra specs and access list go with it); whether it existed. */
  async delete(flavorid: string): Promise<boolean> {
    return Boolean((await this.flavors.delete({ flavorid })).affected);
  }

  /** The extra specs of these flavors (internal ids), by flavor. */
  async extraSpecs(flavorIds: number[]): Promise<Map<number, Record<string, string>>> {
    const out = new Map<number, Record<string, string>>(flavorIds.map((id) => [id, {}]));
    if (!flavorIds.length) return out;
    for (const s of await this.specs.find({ where: { flavorId: In(flavorIds) }, order: { key: 'ASC' } })) out.get(s.flavorId)![s.key] = s.value;
    return out;
  }

  /** Adds or replaces extra specs, in one statement. */
  async setExtraSpecs(flavorId: number, specs: Record<string, string>): Promise<void> {
    const rows = Object.entries(specs).map(([key, value]) => ({ flavorId, key, value }));
    if (rows.length) await this.specs.upsert(rows, ['flavorId', 'key']);
  }

  /** Whether the key was there to delete. */
  async deleteExtraSpec(flavorId: number, key: string): Promise<boolean> {
    return Boolean((await this.specs.delete({ flavorId, key })).affected);
  }

  /** The projects a flavor is shared with, in the order they were added. */
  async accessList(flavorId: number): Promise<string[]> {
    return (await this.projects.find({ where: { flavorId }, order: { createdAt: 'ASC', projectId: 'ASC' } })).map((p) => p.projectId);
  }

  /** False when the project already had access. */
  async addAccess(flavorId: number, projectId: string): Promise<boolean> {
    try {
      await this.projects.insert({ flavorId, projectId });
      return true;
    } catch (err) {
      if (duplicateKey(err)) return false;
      throw err;
    }
  }

  /** Whether the project had access to remove. */
  async removeAccess(flavorId: number, projectId: string): Promise<boolean> {
    return Boolean((await this.projects.delete({ flavorId, projectId })).affected);
  }
}
