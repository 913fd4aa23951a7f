import { DataSource, EntityManager, In, Repository } from 'typeorm';
import { QuotaEntity, QuotaUsageEntity } from '../entities';

/** Whose usage a row counts: key pairs are a user's (project ''), instances a project's (user '') or a user's in a project. */
export interface UsageScope {
  projectId: string;
  userId: string;
}

/**
 * In `m`'s transaction: the scope's usage row of `resource`, created if missing and locked until
 * the transaction ends (INSERT ... ON DUPLICATE KEY UPDATE takes an exclusive lock, SELECT ... FOR
 * UPDATE reads the latest committed count), so concurrent callers queue on it. Returns its count.
 */
export async function lockUsage(m: EntityManager, scope: UsageScope, resource: string): Promise<number> {
  await m.query('INSERT INTO quota_usage (project_id, user_id, resource, in_use) VALUES (?, ?, ?, 0) ON DUPLICATE KEY UPDATE in_use = in_use', [scope.projectId, scope.userId, resource]);
  const rows = (await m.query('SELECT in_use FROM quota_usage WHERE project_id = ? AND user_id = ? AND resource = ? FOR UPDATE', [scope.projectId, scope.userId, resource])) as Array<{ in_use: number }>;
  return Number(rows[0].in_use);
}

/**
 * lockUsage for many rows: read and locked (`SELECT … FOR UPDATE`) in one statement, and only when
 * one is missing created (INSERT … ON DUPLICATE KEY UPDATE, in the order given, so callers that
 * list rows in one order never deadlock) and read again. Their counts, in that order.
 */
export async function lockUsages(m: EntityManager, rows: Array<{ scope: UsageScope; resource: string }>): Promise<number[]> {
  if (!rows.length) return [];
  const key = (p: string, u: string, r: string) => `${p}\n${u}\n${r}`;
  const read = async () => {
    const found = (await m.query(`SELECT project_id, user_id, resource, in_use FROM quota_usage WHERE ${rows.map(() => '(project_id = ? AND user_id = ? AND resource = ?)').join(' OR ')} FOR UPDATE`, rows.flatMap((r) => [r.scope.projectId, r.scope.userId, r.resource]))) as Array<{
      project_id: string;
      user_id: string;
      resource: string;
      in_use: number;
    }>;
    return new Map(found.map((f) => [key(f.project_id, f.user_id, f.resource), Number(f.in_use)]));
  };
  let byKey = await read();
  if (byKey.size < new Set(rows.map((r) => key(r.scope.projectId, r.scope.userId, r.resource))).size) {
    await m.query(
      `INSERT INTO quota_usage (project_id, user_id, resource, in_use) VALUES ${rows.map(() => '(?, ?, ?, 0)').join(', ')} ON DUPLICATE KEY UPDATE in_use = in_use`,
      rows.flatMap((r) => [r.scope.projectId, r.scope.userId, r.resource]),
    );
    byKey = await read();
  }
  return rows.map((r) => byKey.get(key(r.scope.projectId, r.scope.userId, r.resource)) ?? 0);
}

/** addUsage for many rows (locked by lockUsages) in one statement; a row's count never goes below 0. */
export async function addUsages(m: EntityManager, rows: Array<{ scope: UsageScope; resource: string; delta: number }>): Promise<void> {
  const changed = rows.filter((r) => r.delta !== 0);
  if (!changed.length) return;
  const match = '(project_id = ? AND user_id = ? AND resource = ?)';
  const keys = changed.flatMap((r) => [r.scope.projectId, r.scope.userId, r.resource]);
  await m.query(`UPDATE quota_usage SET in_use = GREATEST(in_use + CASE ${changed.map(() => `WHEN ${match} THEN ?`).join(' ')} ELSE 0 END, 0) WHERE ${changed.map(() => match).join(' OR ')}`, [
    ...changed.flatMap((r) => [r.scope.projectId, r.scope.userId, r.resource, r.delta]),
    ...keys,
  ]);
}

/** In `m`'s transaction, after lockUsage: changes the count (never below 0). */
export async function addUsage(m: EntityManager, scope: UsageScope, resource: string, delta: number): Promise<void> {
  await m.query('UPDATE quota_usage SET in_use = GREATEST(in_use + ?, 0) WHERE project_id = ? AND user_id = ? AND resource = ?', [delta, scope.projectId, scope.userId, resource]);
}

/**
 * In `m`'s transaction: adds `delta` to the scope's usage unless that exceeds `limit` (-1:
 * unlimited). With the usage row locked, the check and the change of what it counts, made in the
 * same transaction, are race-free. Returns the usage before, or undefined when the limit refused it.
 */
export async function consumeUsage(m: EntityManager, scope: UsageScope, resource: string, delta: number, limit: number): Promise<number | undefined> {
  const inUse = await lockUsage(m, scope, resource);
  if (delta > 0 && limit >= 0 && inUse + delta > limit) return undefined;
  await addUsage(m, scope, resource, delta);
  return inUse;
}

/** Quota limits set by admins (table quota) and what scopes use (table quota_usage). */
export class QuotaRepository {
  private readonly quotas: Repository<QuotaEntity>;
  private readonly usages: Repository<QuotaUsageEntity>;

  constructor(private readonly ds: DataSource) {
    this.quotas = ds.getRepository(QuotaEntity);
    this.usages = ds.getRepository(QuotaUsageEntity);
  }

  /** The limits stored for the project ('' user) and, when given, for the user within it. */
  async limits(projectId: string, userId?: string): Promise<{ project: Record<string, number>; user: Record<string, number> }> {
    // plain SQL: read at every create
    const users = userId === undefined || userId === '' ? [''] : ['', userId];
    const rows = (await this.ds.query(`SELECT user_id, resource, hard_limit FROM quota WHERE project_id = ? AND user_id IN (${users.map(() => '?').join(', ')})`, [projectId, ...users])) as Array<{ user_id: string; resource: string; hard_limit: number }>;
    const out = { project: {} as Record<string, number>, user: {} as Record<string, number> };
    for (const r of rows) (r.user_id === '' ? out.project : out.user)[r.resource] = Number(r.hard_limit);
    return out;
  }

  /** Stores limits of the project ('' user) or of a user within it, all in one transaction. */
  async setLimits(projectId: string, userId: string, limits: Record<string, number>): Promise<void> {
    const rows = Object.entries(limits).map(([resource, hardLimit]) => ({ projectId, userId, resource, hardLimit }));
    if (!rows.length) return;
    await this.ds.transaction((m) => m.getRepository(QuotaEntity).upsert(rows, ['projectId', 'userId', 'resource']));
  }

  /** Removes the project's limits (and its users' when `userId` is undefined) or one user's. */
  async deleteLimits(projectId: string, userId?: string): Promise<void> {
    await this.quotas.delete(userId === undefined ? { projectId } : { projectId, userId });
  }

  /** What the scope uses of these resources (0 without a row). */
  async usage(scope: UsageScope, resources: string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = Object.fromEntries(resources.map((r) => [r, 0]));
    if (!resources.length) return out;
    for (const u of await this.usages.find({ where: { projectId: scope.projectId, userId: scope.userId, resource: In(resources) } })) out[u.resource] = u.inUse;
    return out;
  }
}
