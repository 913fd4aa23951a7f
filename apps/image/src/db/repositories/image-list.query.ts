import type { SelectQueryBuilder } from 'typeorm';
import type { ListQuery, TimeFilter } from '../../services/image-list';
import { SORT_KEYS } from '../../services/image-list';
import type { ImageEntity } from '../entities';

/** Who lists: an admin sees every image; others by their project. */
export interface Viewer {
  admin: boolean;
  projectId: string | undefined;
}

const TIME_SQL: ReadonlyMap<TimeFilter['op'], string> = new Map<TimeFilter['op'], string>([
  ['gt', '>'],
  ['gte', '>='],
  ['lt', '<'],
  ['lte', '<='],
  ['neq', '<>'],
  ['eq', '='],
]);

/** The column of an allowed sort key (the caller validated it; this throws rather than build SQL from anything else). */
export function sortColumn(key: string): string {
  const field = SORT_KEYS.get(key);
  if (field === undefined) throw new Error(`not a sort key: ${key}`);
  return `i.${key}`;
}

/** Visibility (Glance's rules: admin sees all; others their own, public, community, and accepted shares) and every filter. */
export function applyListFilters(qb: SelectQueryBuilder<ImageEntity>, viewer: Viewer, q: ListQuery): void {
  qb.where("i.status <> 'deleted'");
  if (!viewer.admin || q.visibility) {
    const project = viewer.projectId ?? '';
    const memberOf = `EXISTS (SELECT 1 FROM image_member m WHERE m.image_id = i.id AND m.member_id = :project${q.memberStatus === 'all' ? '' : ' AND m.status = :memberStatus'})`;
    const params = { project, memberStatus: q.memberStatus ?? 'accepted' };
    switch (q.visibility) {
      case undefined:
      case 'all':
        if (!viewer.admin) qb.andWhere(`(i.owner = :project OR i.visibility = 'public' OR (i.visibility = 'shared' AND ${memberOf}))`, params);
        break;
      case 'public':
      case 'community':
      case 'private':
        qb.andWhere('i.visibility = :vis', { vis: q.visibility });
        if (q.visibility === 'private' && !viewer.admin) qb.andWhere('i.owner = :project', params);
        break;
      case 'shared':
        qb.andWhere("i.visibility = 'shared'");
        if (!viewer.admin) qb.andWhere(`(i.owner = :project OR ${memberOf})`, params);
        break;
    }
  }
  // Glance: os_hidden is an equality filter (true lists only hidden images), false by default
  qb.andWhere('i.os_hidden = :hidden', { hidden: q.osHidden === true ? 1 : 0 });
  if (q.protected !== undefined) qb.andWhere('i.protected = :prot', { prot: q.protected ? 1 : 0 });
  if (q.name !== undefined) qb.andWhere('i.name = :name', { name: q.name });
  if (q.status !== undefined) qb.andWhere('i.status = :status', { status: q.status });
  if (q.owner !== undefined) qb.andWhere('i.owner = :owner', { owner: q.owner });
  if (q.diskFormat !== undefined) qb.andWhere('i.disk_format = :df', { df: q.diskFormat });
  if (q.containerFormat !== undefined) qb.andWhere('i.container_format = :cf', { cf: q.containerFormat });
  if (q.sizeMin !== undefined) qb.andWhere('i.size >= :smin', { smin: q.sizeMin });
  if (q.sizeMax !== undefined) qb.andWhere('i.size <= :smax', { smax: q.sizeMax });
  if (q.createdAt) qb.andWhere(`i.created_at ${TIME_SQL.get(q.createdAt.op)!} :cat`, { cat: q.createdAt.at });
  if (q.updatedAt) qb.andWhere(`i.updated_at ${TIME_SQL.get(q.updatedAt.op)!} :uat`, { uat: q.updatedAt.at });
  q.tags.forEach((tag, n) => qb.andWhere(`EXISTS (SELECT 1 FROM image_tag t${n} WHERE t${n}.image_id = i.id AND t${n}.value = :tag${n})`, { [`tag${n}`]: tag }));
  // JSON_OBJECT builds {"name": "value"} with proper escaping: no JSON path is made from the name
  [...q.properties].forEach(([k, v], n) => qb.andWhere(`JSON_CONTAINS(i.properties, JSON_OBJECT(:pk${n}, :pv${n}))`, { [`pk${n}`]: k, [`pv${n}`]: v }));
}

/** Rows strictly after the marker in the sort order (lexicographic over the sort keys), then the order itself. */
export function applyMarkerAndSort(qb: SelectQueryBuilder<ImageEntity>, sort: ListQuery['sort'], marker: ImageEntity | undefined): void {
  if (marker) {
    const ors: string[] = [];
    const params: Record<string, unknown> = {};
    sort.forEach((s, n) => {
      const eqs = sort.slice(0, n).map((p, j) => `${sortColumn(p.key)} <=> :m${j}`);
      ors.push(`(${[...eqs, `${sortColumn(s.key)} ${s.dir === 'asc' ? '>' : '<'} :m${n}`].join(' AND ')})`);
      params[`m${n}`] = marker[SORT_KEYS.get(s.key)!];
    });
    qb.andWhere(`(${ors.join(' OR ')})`, params);
  }
  sort.forEach((s, n) => (n === 0 ? qb.orderBy(sortColumn(s.key), s.dir === 'asc' ? 'ASC' : 'DESC') : qb.addOrderBy(sortColumn(s.key), s.dir === 'asc' ? 'ASC' : 'DESC')));
}
