import { Brackets, DataSource, EntityManager, In, Repository } from 'typeorm';
import { ConsoleAuthTokenEntity } from '../entities/console-auth-token.entity';
import { InstanceEntity, InstanceFaultEntity, InstanceMetadataEntity } from '../entities/instance.entity';
import { retryOnDeadlock } from './db-errors';
import { EntityRows } from './entity-rows';
import { addUsages, lockUsages, UsageScope } from './quota.repository';

/** An instance's metadata as one JSON object column of its row (`kumo_metadata`, NULL without any). */
const METADATA_OBJECT = '(SELECT JSON_OBJECTAGG(m.`key`, m.value) FROM instance_metadata m WHERE m.instance_id = i.id) AS kumo_metadata';

function metadataFrom(row: Record<string, unknown>): Record<string, string> {
  const v = row.kumo_metadata;
  if (v === null || v === undefined) return {};
  const parsed = (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>;
  return Object.fromEntries(Object.keys(parsed).sort().map((k) => [k, String(parsed[k])]));
}

/** The counted resources of servers, in the order their usage rows are locked (one order: no deadlock between creates). */
export const INSTANCE_RESOURCES = ['instances', 'cores', 'ram'] as const;
export type InstanceResource = (typeof INSTANCE_RESOURCES)[number];
export type InstanceLimits = Record<InstanceResource, number>;

export type NewInstance = Omit<InstanceEntity, 'id' | 'createdAt' | 'updatedAt' | 'deletedAt' | 'deleted' | 'claimed' | 'launchedAt' | 'terminatedAt' | 'progress'>;

export type CreateResult =
  | { ok: true; instances: InstanceEntity[] }
  | { ok: false; resource: InstanceResource; requested: number; used: number; limit: number };

/** Server list filters (Nova's get_all search_opts), already checked for who may use which. */
export interface InstanceListQuery {
  projectId?: string;
  name?: string;
  vmStates?: string[];
  taskStates?: string[];
  imageRef?: string;
  flavorid?: string;
  host?: string;
  changesSince?: Date;
  limit: number;
  marker?: string;
}

function perInstance(r: InstanceResource, i: Pick<InstanceEntity, 'vcpus' | 'memoryMb'>): number {
  return r === 'instances' ? 1 : r === 'cores' ? i.vcpus : i.memoryMb;
}

/** Servers (tables instance, instance_metadata, instance_fault), their quota usage and creation's first action. */
export class InstanceRepository {
  readonly instances: Repository<InstanceEntity>;
  private readonly metadata: Repository<InstanceMetadataEntity>;
  private readonly faults: Repository<InstanceFaultEntity>;
  /** plain SQL on the hot paths (reads by uuid, compare-and-set, the create's insert) */
  private readonly rows: EntityRows<InstanceEntity>;

  constructor(private readonly ds: DataSource) {
    this.rows = new EntityRows(ds, InstanceEntity);
    this.instances = ds.getRepository(InstanceEntity);
    this.metadata = ds.getRepository(InstanceMetadataEntity);
    this.faults = ds.getRepository(InstanceFaultEntity);
  }

  /**
   * Inserts between `minCount` and `rows.length` instances (as many as the quota allows, Nova's
   * min_count/max_count), with their metadata and a `create` action each, race-free: the usage rows
   * of instances, cores and ram (project scope, and the user's when the user has own limits) are
   * locked, checked, increased and the instances inserted in one transaction.
   */
  async createWithinQuota(rows: NewInstance[], minCount: number, metadata: Record<string, string>, limits: { project: InstanceLimits; user?: Partial<InstanceLimits> }, action: { requestId: string }): Promise<CreateResult> {
    return retryOnDeadlock(() =>
      this.ds.transaction(async (m) => {
        const first = rows[0];
        const scopes: Array<{ scope: UsageScope; limits: Partial<InstanceLimits> }> = [
          { scope: { projectId: first.projectId, userId: '' }, limits: limits.project },
          { scope: { projectId: first.projectId, userId: first.userId }, limits: limits.user ?? {} },
        ];
        // every usage row locked in one order (project then user; instances, cores, ram): no deadlock between creates
        const keys = scopes.flatMap(({ scope, limits: lim }) => INSTANCE_RESOURCES.map((resource) => ({ scope, resource, limit: lim[resource] })));
        const counts = await lockUsages(m, keys);
        let count = rows.length;
        const usedBy = new Map<string, number>();
        let refusal: Extract<CreateResult, { ok: false }> | undefined;
        keys.forEach(({ scope, resource: r, limit }, k) => {
          const used = counts[k];
          usedBy.set(`${scope.userId}/${r}`, used);
          if (limit === undefined || limit < 0) return;
          const each = perInstance(r, first);
          const fits = each === 0 ? count : Math.floor((limit - used) / each);
          if (fits < count) {
            if (fits < minCount && !refusal) refusal = { ok: false, resource: r, requested: each * count, used, limit };
            count = Math.max(fits, 0);
          }
        });
        if (refusal || count < minCount || count === 0) return refusal ?? { ok: false, resource: 'instances', requested: rows.length, used: usedBy.get('/instances') ?? 0, limit: limits.project.instances };
        const chosen = rows.slice(0, count);
        await addUsages(m, keys.map(({ scope, resource: r }) => ({ scope, resource: r, delta: chosen.reduce((s, i) => s + perInstance(r, i), 0) })));
        // the rows as inserted (times set here, not by the database): nothing is read back
        const now = new Date();
        const out = chosen.map((row) => Object.assign(new InstanceEntity(), row, { claimed: false, deleted: false, progress: 0, launchedAt: null, terminatedAt: null, deletedAt: null, createdAt: now, updatedAt: now }));
        // one multi-row INSERT; its ids are consecutive from the first (InnoDB, a simple insert), as TypeORM reads them too
        const insert = this.rows.insert(out.map(({ id: _id, ...i }) => i));
        const res = (await m.query(insert.sql, insert.params)) as { insertId: number };
        const firstId = Number(res.insertId);
        out.forEach((i, k) => (i.id = firstId + k));
        const entries = out.flatMap((i) => Object.entries(metadata).map(([key, value]) => ({ instanceId: i.id, key, value })));
        if (entries.length) await m.query(`INSERT INTO instance_metadata (instance_id, \`key\`, value) VALUES ${entries.map(() => '(?, ?, ?)').join(', ')}`, entries.flatMap((e) => [e.instanceId, e.key, e.value]));
        await m.query(
          `INSERT INTO instance_action (instance_uuid, request_id, action, user_id, project_id, message, start_time, finish_time) VALUES ${out.map(() => "(?, ?, 'create', ?, ?, NULL, ?, NULL)").join(', ')}`,
          out.flatMap((i) => [i.uuid, action.requestId, i.userId, i.projectId, now]),
        );
        return { ok: true as const, instances: out };
      }),
    );
  }

  /** A live (not deleted) instance by uuid. */
  async find(uuid: string): Promise<InstanceEntity | null> {
    const [row] = (await this.ds.query('SELECT * FROM instance WHERE uuid = ? AND deleted = 0', [uuid])) as Array<Record<string, unknown>>;
    return row ? this.rows.fromRow(row) : null;
  }

  /** An instance by uuid (deleted or not) with its metadata, in one statement. */
  async findAnyWithMetadata(uuid: string): Promise<{ instance: InstanceEntity; metadata: Record<string, string> } | null> {
    const [row] = (await this.ds.query(`SELECT i.*, ${METADATA_OBJECT} FROM instance i WHERE i.uuid = ?`, [uuid])) as Array<Record<string, unknown>>;
    return row ? { instance: this.rows.fromRow(row), metadata: metadataFrom(row) } : null;
  }

  /** Live instances by uuid, each with its metadata, in one statement. */
  async findManyWithMetadata(uuids: string[]): Promise<Array<{ instance: InstanceEntity; metadata: Record<string, string> }>> {
    if (!uuids.length) return [];
    const rows = (await this.ds.query(`SELECT i.*, ${METADATA_OBJECT} FROM instance i WHERE i.uuid IN (${uuids.map(() => '?').join(', ')}) AND i.deleted = 0`, uuids)) as Array<Record<string, unknown>>;
    return rows.map((r) => ({ instance: this.rows.fromRow(r), metadata: metadataFrom(r) }));
  }

  /** An instance by uuid, deleted or not. */
  async findAny(uuid: string): Promise<InstanceEntity | null> {
    const [row] = (await this.ds.query('SELECT * FROM instance WHERE uuid = ?', [uuid])) as Array<Record<string, unknown>>;
    return row ? this.rows.fromRow(row) : null;
  }

  /** Where the instance (deleted or not) is: its host (null when it has none), or null when there is no such instance. */
  async placementOf(uuid: string): Promise<{ host: string | null } | null> {
    const [row] = (await this.ds.query('SELECT host FROM instance WHERE uuid = ?', [uuid])) as Array<{ host: string | null }>;
    return row ? { host: row.host } : null;
  }

  /** The host of each of these instances (deleted ones too) that has one, by uuid: one query. */
  async hostsOf(uuids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!uuids.length) return out;
    const rows = (await this.ds.query(`SELECT uuid, host FROM instance WHERE uuid IN (${uuids.map(() => '?').join(', ')}) AND host IS NOT NULL`, uuids)) as Array<{ uuid: string; host: string }>;
    for (const r of rows) out.set(r.uuid, r.host);
    return out;
  }

  async findMany(uuids: string[]): Promise<InstanceEntity[]> {
    if (!uuids.length) return [];
    const rows = (await this.ds.query(`SELECT * FROM instance WHERE uuid IN (${uuids.map(() => '?').join(', ')}) AND deleted = 0`, uuids)) as Array<Record<string, unknown>>;
    return rows.map((r) => this.rows.fromRow(r));
  }

  /** A page of instances, newest first (created_at desc, id desc, as Nova sorts); undefined when the marker is unknown. */
  async list(q: InstanceListQuery): Promise<InstanceEntity[] | undefined> {
    const qb = this.instances.createQueryBuilder('i');
    if (q.changesSince) qb.where('i.updated_at >= :since', { since: q.changesSince });
    else qb.where('i.deleted = 0');
    if (q.projectId !== undefined) qb.andWhere('i.project_id = :projectId', { projectId: q.projectId });
    if (q.name !== undefined) qb.andWhere('i.name REGEXP :name', { name: q.name });
    if (q.vmStates) qb.andWhere(q.vmStates.length ? 'i.vm_state IN (:...vmStates)' : '1 = 0', { vmStates: q.vmStates });
    if (q.taskStates) qb.andWhere('i.task_state IN (:...taskStates)', { taskStates: q.taskStates });
    else if (q.vmStates?.includes('active')) qb.andWhere(new Brackets((w) => w.where("i.vm_state <> 'active'").orWhere("i.task_state IS NULL OR i.task_state NOT LIKE 'reboot%'")));
    if (q.imageRef !== undefined) qb.andWhere('i.image_ref = :imageRef', { imageRef: q.imageRef });
    if (q.flavorid !== undefined) qb.andWhere('i.flavorid = :flavorid', { flavorid: q.flavorid });
    if (q.host !== undefined) qb.andWhere('i.host = :host', { host: q.host });
    if (q.marker !== undefined) {
      const marker = await this.instances.findOne({ where: { uuid: q.marker } });
      if (!marker) return undefined;
      qb.andWhere('(i.created_at < :mc OR (i.created_at = :mc AND i.id < :mid))', { mc: marker.createdAt, mid: marker.id });
    }
    // TypeORM builds the SQL; the rows are read plain and mapped (hydrating 1,000 entities with their
    // JSON columns cost more than the query: `server list` reads up to max_limit of them per page)
    const [sql, params] = qb.select('i.*').orderBy('i.created_at', 'DESC').addOrderBy('i.id', 'DESC').limit(q.limit).getQueryAndParameters();
    return ((await this.ds.query(sql, params)) as Array<Record<string, unknown>>).map((r) => this.rows.fromRow(r));
  }

  async metadataOf(ids: number[]): Promise<Map<number, Record<string, string>>> {
    const out = new Map<number, Record<string, string>>(ids.map((id) => [id, {}]));
    if (!ids.length) return out;
    const rows = (await this.ds.query(`SELECT instance_id, \`key\`, value FROM instance_metadata WHERE instance_id IN (${ids.map(() => '?').join(', ')}) ORDER BY \`key\``, ids)) as Array<{ instance_id: number; key: string; value: string }>;
    for (const r of rows) out.get(Number(r.instance_id))![r.key] = r.value;
    return out;
  }

  /** Replaces all metadata (`replace`) or merges keys in, within `limit` items in all (-1: unlimited); false when over it. */
  async setMetadata(instanceId: number, items: Record<string, string>, replace: boolean, limit: number): Promise<boolean> {
    return this.ds.transaction(async (m) => {
      await m.query('SELECT id FROM instance WHERE id = ? FOR UPDATE', [instanceId]);
      const repo = m.getRepository(InstanceMetadataEntity);
      const current = replace ? {} : Object.fromEntries((await repo.find({ where: { instanceId } })).map((r) => [r.key, r.value]));
      const next = { ...current, ...items };
      if (limit >= 0 && Object.keys(next).length > limit) return false;
      if (replace) await repo.delete({ instanceId });
      const rows = Object.entries(items).map(([key, value]) => ({ instanceId, key, value }));
      if (rows.length) await repo.upsert(rows, ['instanceId', 'key']);
      return true;
    });
  }

  async deleteMetadata(instanceId: number, key: string): Promise<boolean> {
    return Boolean((await this.metadata.delete({ instanceId, key })).affected);
  }

  /** The latest fault of each instance. */
  async latestFaults(uuids: string[]): Promise<Map<string, InstanceFaultEntity>> {
    const out = new Map<string, InstanceFaultEntity>();
    if (!uuids.length) return out;
    for (const f of await this.faults.find({ where: { instanceUuid: In(uuids) }, order: { id: 'ASC' } })) out.set(f.instanceUuid, f);
    return out;
  }

  async addFault(uuid: string, fault: { code: number; message: string; details: string; host: string | null }, m: EntityManager = this.ds.manager): Promise<void> {
    await this.ownStatement(m, () => m.getRepository(InstanceFaultEntity).insert({ instanceUuid: uuid, code: fault.code, message: fault.message.slice(0, 255), details: fault.details, host: fault.host }));
  }

  /**
   * A statement on its own (autocommit) is run again when InnoDB made it a deadlock victim (the
   * scheduler's claim batches lock instance and node rows, a conductor's update may cross them: seen
   * in the scale bench, 3 builds of 1,000 lost); inside a caller's transaction the whole transaction
   * was rolled back, so the error goes to the caller, whose transaction is the unit to retry.
   */
  private ownStatement<T>(m: EntityManager, work: () => Promise<T>): Promise<T> {
    return m === this.ds.manager ? retryOnDeadlock(work) : work();
  }

  /**
   * Compare-and-set: applies `patch` when the live instance's task_state is one of `expected`
   * (any when undefined); whether it applied.
   */
  async transition(uuid: string, expected: Array<string | null> | undefined, patch: Partial<InstanceEntity>, m: EntityManager = this.ds.manager): Promise<boolean> {
    const set = this.rows.assignments(patch);
    let where = 'uuid = ? AND deleted = 0';
    const params = [...set.params, uuid];
    if (expected) {
      const values = expected.filter((e): e is string => e !== null);
      const cond = [...(values.length ? [`task_state IN (${values.map(() => '?').join(', ')})`] : []), ...(expected.includes(null) ? ['task_state IS NULL'] : [])];
      where += ` AND (${cond.length ? cond.join(' OR ') : '1 = 0'})`;
      params.push(...values);
    }
    const res = (await this.ownStatement(m, () => m.query(`UPDATE instance SET ${set.sql} WHERE ${where}`, params))) as { affectedRows: number };
    return res.affectedRows === 1;
  }

  /**
   * Deletes the instance's row for good (soft delete: deleted = 1), gives its quota back and
   * releases its claim on the node and drops its console tokens, in one transaction; undefined
   * when it was already deleted.
   */
  async destroy(uuid: string): Promise<InstanceEntity | undefined> {
    return retryOnDeadlock(() =>
      this.ds.transaction(async (m) => {
        const rows = (await m.query('SELECT id FROM instance WHERE uuid = ? AND deleted = 0 FOR UPDATE', [uuid])) as Array<{ id: number }>;
        if (!rows.length) return undefined;
        const inst = await m.getRepository(InstanceEntity).findOneByOrFail({ id: rows[0].id });
        // the usage rows locked as a create locks them (lockUsages: one order), lowered in one statement
        const usage = [{ projectId: inst.projectId, userId: '' }, { projectId: inst.projectId, userId: inst.userId }].flatMap((scope) => INSTANCE_RESOURCES.map((resource) => ({ scope, resource, delta: -perInstance(resource, inst) })));
        await lockUsages(m, usage);
        await addUsages(m, usage);
        if (inst.claimed && inst.host) await releaseNodeClaim(m, inst);
        const now = new Date();
        await m.getRepository(InstanceEntity).update({ id: inst.id }, { deleted: true, deletedAt: now, terminatedAt: now, vmState: 'deleted', taskState: null, powerState: 0, claimed: false });
        // its console tokens go with it (Nova's clean_console_auths_for_instance): both delete paths,
        // the conductor's after the agent's terminate and the API's local delete, come here
        await m.getRepository(ConsoleAuthTokenEntity).delete({ instanceUuid: uuid });
        return inst;
      }),
    );
  }

  /** Releases the instance's claim on its node once (claimed 1 → 0 and the node's *_used lowered in one transaction). */
  async releaseClaim(uuid: string): Promise<boolean> {
    return retryOnDeadlock(() =>
      this.ds.transaction(async (m) => {
        const inst = await m.getRepository(InstanceEntity).findOne({ where: { uuid, claimed: true }, lock: { mode: 'pessimistic_write' } });
        if (!inst?.host) return false;
        await releaseNodeClaim(m, inst);
        await m.getRepository(InstanceEntity).update({ id: inst.id }, { claimed: false });
        return true;
      }),
    );
  }

  /** Instances still building whose row has not moved for `olderThan`, or that build on one of `deadHosts`. */
  async stalledBuilds(olderThan: Date, deadHosts: string[]): Promise<InstanceEntity[]> {
    const qb = this.instances.createQueryBuilder('i').where("i.deleted = 0 AND i.vm_state = 'building'");
    qb.andWhere(
      new Brackets((w) => {
        w.where('i.updated_at < :olderThan', { olderThan });
        if (deadHosts.length) w.orWhere('i.host IN (:...deadHosts)', { deadHosts });
      }),
    );
    return qb.take(500).getMany();
  }

  /** Per project: instances alive or deleted after `start`, for os-simple-tenant-usage. */
  usageBetween(start: Date, end: Date, projectId?: string): Promise<InstanceEntity[]> {
    const qb = this.instances.createQueryBuilder('i').where('i.created_at < :end', { end }).andWhere('(i.deleted_at IS NULL OR i.deleted_at > :start)', { start });
    if (projectId !== undefined) qb.andWhere('i.project_id = :projectId', { projectId });
    return qb.orderBy('i.id', 'ASC').getMany();
  }
}

async function releaseNodeClaim(m: EntityManager, inst: InstanceEntity): Promise<void> {
  await m.query(
    'UPDATE compute_node SET vcpus_used = GREATEST(vcpus_used - ?, 0), memory_mb_used = GREATEST(memory_mb_used - ?, 0), local_gb_used = GREATEST(local_gb_used - ?, 0), updated_at = updated_at WHERE host = ?',
    [inst.vcpus, inst.memoryMb, inst.rootGb + inst.ephemeralGb, inst.host],
  );
}
