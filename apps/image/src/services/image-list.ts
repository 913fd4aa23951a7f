import type { ImageEntity } from '../db/entities';

export interface TimeFilter {
  op: 'gt' | 'gte' | 'lt' | 'lte' | 'neq' | 'eq';
  at: Date;
}

/** A validated `GET /v2/images` query (api/list-query.ts parses it). */
export interface ListQuery {
  limit?: number;
  marker?: string;
  name?: string;
  status?: string;
  visibility?: string;
  owner?: string;
  tags: string[];
  diskFormat?: string;
  containerFormat?: string;
  sizeMin?: number;
  sizeMax?: number;
  memberStatus?: string;
  osHidden?: boolean;
  protected?: boolean;
  createdAt?: TimeFilter;
  updatedAt?: TimeFilter;
  sort: Array<{ key: string; dir: 'asc' | 'desc' }>;
  /** Filters on properties: a Map, so `?constructor=x` is a property name like any other. */
  properties: ReadonlyMap<string, string>;
}

/**
 * The API's sort keys → the entity field (and, by the naming strategy, the snake_case column): an
 * allow-list in a Map, so no name inherited from Object.prototype can reach SQL. Glance's eight, and
 * Kumo's four more (visibility, owner, min_disk, min_ram).
 */
export const SORT_KEYS: ReadonlyMap<string, keyof ImageEntity> = new Map<string, keyof ImageEntity>([
  ['name', 'name'],
  ['status', 'status'],
  ['container_format', 'containerFormat'],
  ['disk_format', 'diskFormat'],
  ['size', 'size'],
  ['id', 'id'],
  ['created_at', 'createdAt'],
  ['updated_at', 'updatedAt'],
  ['visibility', 'visibility'],
  ['owner', 'owner'],
  ['min_disk', 'minDisk'],
  ['min_ram', 'minRam'],
]);
