import { DataSource, In, Repository } from 'typeorm';
import { InstanceActionEntity, InstanceActionEventEntity } from '../entities/instance-action.entity';
import { duplicateKey } from './db-errors';

/** Instance actions (one per API call, by request id) and their events (one per step). */
export class InstanceActionRepository {
  private readonly actions: Repository<InstanceActionEntity>;
  private readonly events: Repository<InstanceActionEventEntity>;

  constructor(ds: DataSource) {
    this.actions = ds.getRepository(InstanceActionEntity);
    this.events = ds.getRepository(InstanceActionEventEntity);
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
    await this.actions.update({ instanceUuid, requestId }, { finishTime: at, ...(message !== null ? { message: message.slice(0, 255) } : {}) });
  }

  /**
   * An event's start or finish: the event row is created by whichever comes first (a redelivered
   * start does not reset it). An event without an action (an agent's own work) gets one named after it.
   */
  async event(e: { instanceUuid: string; requestId: string; event: string; phase: 'start' | 'finish'; result?: string; details?: string; at: Date; host: string | null }): Promise<void> {
    let action = await this.actions.findOne({ where: { instanceUuid: e.instanceUuid, requestId: e.requestId } });
    action ??= await this.start({ instanceUuid: e.instanceUuid, requestId: e.requestId, action: e.event, userId: null, projectId: null });
    try {
      await this.events.insert({ actionId: action.id, event: e.event, startTime: e.at, finishTime: null, result: null, traceback: null, host: e.host });
    } catch (err) {
      if (!duplicateKey(err)) throw err;
    }
    if (e.phase === 'finish') {
      await this.events.update({ actionId: action.id, event: e.event }, { finishTime: e.at, result: e.result ?? 'Success', traceback: e.details ?? null });
      if (e.result === 'Error') await this.actions.update({ id: action.id }, { message: 'Error' });
    }
  }

  list(instanceUuid: string): Promise<InstanceActionEntity[]> {
    return this.actions.find({ where: { instanceUuid }, order: { startTime: 'DESC', id: 'DESC' } });
  }

  async get(instanceUuid: string, requestId: string): Promise<{ action: InstanceActionEntity; events: InstanceActionEventEntity[] } | undefined> {
    const action = await this.actions.findOne({ where: { instanceUuid, requestId } });
    if (!action) return undefined;
    return { action, events: await this.events.find({ where: { actionId: In([action.id]) }, order: { id: 'ASC' } }) };
  }
}
