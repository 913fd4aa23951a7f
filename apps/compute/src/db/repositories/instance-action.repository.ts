import { DataSource, In, Repository } from 'typeorm';
import { InstanceActionEntity, InstanceActionEventEntity } from '../entities/instance-action.entity';
import { duplicateKey, retryOnDeadlock } from './db-errors';

const KNOWN_ACTIONS = 20_000;

/** One step's start or finish, as the agents and the scheduler report it. */
export interface ActionEventRecord {
  instanceUuid: string;
  requestId: string;
  event: string;
  phase: 'start' | 'finish';
  result?: string;
  details?: string;
  at: Date;
  host: string | null;
}

/** Instance actions (one per API call, by request id) and their events (one per step). */
export class InstanceActionRepository {
  private readonly actions: Repository<InstanceActionEntity>;
  private readonly eventRows: Repository<InstanceActionEventEntity>;
  /** action ids by `uuid requestId`, the latest KNOWN_ACTIONS read */
  private readonly known = new Map<string, number>();

  constructor(private readonly ds: DataSource) {
    this.actions = ds.getRepository(InstanceActionEntity);
    this.eventRows = ds.getRepository(InstanceActionEventEntity);
  }

  /** Records an action; a second record of the same request id (a redelivery) is the same action. */
  async start(a: { instanceUuid: string; requestId: string; action: string; userId: string | null; projectId: string | null }): Promise<InstanceActionEntity> {
    try {
      await this.actions.insert({ ...a, message: null, startTime: new Date(), finishTime: null });
    } catch (err) {
      if (!duplicateKey(err)) throw err;
    }
    return this.actions.findOneByOrFail({ instanceUuid: a.instanceUuid, requestId: a.requestId });
  }

  async finish(instanceUuid: string, requestId: string, message: string | null, at: Date): Promise<void> {
    if (message === null) await this.query('UPDATE instance_action SET finish_time = ? WHERE instance_uuid = ? AND request_id = ?', [at, instanceUuid, requestId]);
    else await this.query('UPDATE instance_action SET finish_time = ?, message = ? WHERE instance_uuid = ? AND request_id = ?', [at, message.slice(0, 255), instanceUuid, requestId]);
  }

  /**
   * The server is gone: every delete action of it still open ends now (a DELETE repeated while the
   * first one's terminate ran opened its own action, which no terminate finishes: the agent finds
   * nothing left to do for it).
   */
  async finishDeletes(instanceUuid: string, at: Date): Promise<void> {
    await this.query("UPDATE instance_action SET finish_time = ? WHERE instance_uuid = ? AND action = 'delete' AND finish_time IS NULL", [at, instanceUuid]);
  }

  /**
   * An event's start or finish: the event row is created by whichever comes first (a redelivered
   * start does not reset it). An event without an action (an agent's own work) gets one named after it.
   */
  async event(e: ActionEventRecord): Promise<void> {
    await this.events([e]);
  }

  /**
   * Many events' starts and finishes in a few statements whatever their number (the conductor's
   * batches): the actions read at once (the missing ones inserted, named after their first event),
   * the events upserted in one INSERT … ON DUPLICATE KEY UPDATE in the order given (a start and its
   * finish in one batch end as a finished event; a start after its finish changes nothing), the
   * actions of failed events marked `Error`.
   */
  async events(list: ActionEventRecord[]): Promise<void> {
    if (!list.length) return;
    const key = (uuid: string, requestId: string) => `${uuid} ${requestId}`;
    const ids = await this.actionIds(list);
    const missing = new Map<string, ActionEventRecord>();
    for (const e of list) if (!ids.has(key(e.instanceUuid, e.requestId)) && !missing.has(key(e.instanceUuid, e.requestId))) missing.set(key(e.instanceUuid, e.requestId), e);
    if (missing.size) {
      const rows = [...missing.values()];
      await this.query(
        `INSERT IGNORE INTO instance_action (instance_uuid, request_id, action, user_id, project_id, message, start_time, finish_time) VALUES ${rows.map(() => '(?, ?, ?, NULL, NULL, NULL, ?, NULL)').join(', ')}`,
        rows.flatMap((e) => [e.instanceUuid, e.requestId, e.event, new Date()]),
      );
      for (const [k, id] of await this.actionIds(rows)) ids.set(k, id);
    }
    const rows = list.map((e) => {
      const finish = e.phase === 'finish';
      return [ids.get(key(e.instanceUuid, e.requestId)), e.event, e.at, finish ? e.at : null, finish ? (e.result ?? 'Success') : null, finish ? (e.details ?? null) : null, e.host];
    });
    await this.query(
      `INSERT INTO instance_action_event (action_id, event, start_time, finish_time, result, traceback, host) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}
       ON DUPLICATE KEY UPDATE finish_time = IF(VALUES(result) IS NULL, finish_time, VALUES(finish_time)), traceback = IF(VALUES(result) IS NULL, traceback, VALUES(traceback)),
         result = IF(VALUES(result) IS NULL, result, VALUES(result))`,
      rows.flat(),
    );
    const failed = [...new Set(list.filter((e) => e.phase === 'finish' && e.result === 'Error').map((e) => ids.get(key(e.instanceUuid, e.requestId))))];
    if (failed.length) await this.query(`UPDATE instance_action SET message = 'Error' WHERE id IN (${failed.map(() => '?').join(', ')})`, failed);
  }

  /** An autocommit statement, run again when InnoDB made it a deadlock victim (they are all upserts or idempotent updates). */
  private query(sql: string, params: unknown[]): Promise<unknown> {
    return retryOnDeadlock(() => this.ds.query(sql, params));
  }

  /**
   * The ids of the actions of these (instance, request id) pairs that exist, by `uuid requestId`:
   * remembered once read (an action's id never changes and actions are never deleted), so a
   * build's later events read nothing.
   */
  private async actionIds(list: Array<{ instanceUuid: string; requestId: string }>): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const unknown = new Set<string>();
    for (const e of list) {
      const k = `${e.instanceUuid} ${e.requestId}`;
      const id = this.known.get(k);
      if (id !== undefined) out.set(k, id);
      else unknown.add(k);
    }
    if (!unknown.size) return out;
    const uuids = [...new Set([...unknown].map((k) => k.slice(0, k.indexOf(' '))))];
    const found = (await this.ds.query(`SELECT id, instance_uuid, request_id FROM instance_action WHERE instance_uuid IN (${uuids.map(() => '?').join(', ')})`, uuids)) as Array<{
      id: number;
      instance_uuid: string;
      request_id: string;
    }>;
    for (const r of found) {
      const k = `${r.instance_uuid} ${r.request_id}`;
      if (!unknown.has(k)) continue;
      out.set(k, Number(r.id));
      if (this.known.size >= KNOWN_ACTIONS) this.known.delete(this.known.keys().next().value as string);
      this.known.set(k, Number(r.id));
    }
    return out;
  }

  list(instanceUuid: string): Promise<InstanceActionEntity[]> {
    return this.actions.find({ where: { instanceUuid }, order: { startTime: 'DESC', id: 'DESC' } });
  }

  async get(instanceUuid: string, requestId: string): Promise<{ action: InstanceActionEntity; events: InstanceActionEventEntity[] } | undefined> {
    const action = await this.actions.findOne({ where: { instanceUuid, requestId } });
    if (!action) return undefined;
    return { action, events: await this.eventRows.find({ where: { actionId: In([action.id]) }, order: { id: 'ASC' } }) };
  }
}
