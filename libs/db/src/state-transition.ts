import { Conflict } from '@kumo/common/core';
import type { ObjectLiteral, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/**
 * A compare-and-set transition did not apply: the row was not in one of the expected states (or is
 * gone). It reports the state it found right after, so the caller can tell "already there" from
 * "somewhere else" and say which. A 409 by default; services usually map it to their own message.
 */
export class StateTransitionConflict<S extends string = string> extends Conflict {
  constructor(
    readonly entity: string,
    readonly id: string | number,
    readonly expected: readonly S[],
    readonly to: S,
    /** The state the row had when the transition was refused; null when there is no such row. */
    readonly found: S | null,
  ) {
    super(`${entity} ${id} is ${found === null ? 'missing' : found}, not ${expected.join(' or ')}: it cannot become ${to}`, { entity, id, expected, to, found });
  }
}

export function isStateTransitionConflict(err: unknown): err is StateTransitionConflict {
  return err instanceof StateTransitionConflict;
}

export interface StateTransitionsOptions<E, S extends string> {
  /** The entity's name in messages (default: the repository's entity name). */
  name?: string;
  /** The property holding the state (default `status`). */
  column?: keyof E & string;
  /** The primary-key property (default `id`). */
  idColumn?: keyof E & string;
  /**
   * The transitions the state machine allows (from → the states it may go to). Asking for another one is
   * a programming error (a plain Error, before any SQL). Without it, any transition may be asked for.
   */
  allowed?: { readonly [K in S]?: readonly S[] };
}

export interface Transition<E, S extends string> {
  from: S | readonly S[];
  to: S;
  /** Other columns written by the same UPDATE (they are written only when the transition applies). */
  set?: QueryDeepPartialEntity<E>;
}

/**
 * Compare-and-set state transitions over one entity's state column, generic over its state union:
 * `UPDATE t SET status = :to, … WHERE id = :id AND status IN (:from…)`, which must affect exactly one
 * row; otherwise `StateTransitionConflict` with the state found. Two callers racing for the same
 * transition: exactly one wins. An `@UpdateDateColumn` is bumped as by `Repository.update`.
 *
 * ```ts
 * type Status = 'queued' | 'saving' | 'active';
 * const states = new StateTransitions<ImageEntity, Status>(repo, { allowed: { queued: ['saving'], saving: ['active', 'queued'] } });
 * await states.transition(id, { from: 'queued', to: 'saving' });
 * ```
 */
export class StateTransitions<E extends ObjectLiteral, S extends string> {
  private readonly name: string;
  private readonly column: string;
  private readonly idColumn: string;

  constructor(
    private readonly repo: Repository<E>,
    private readonly opts: StateTransitionsOptions<E, S> = {},
  ) {
    this.name = opts.name ?? repo.metadata.name;
    this.column = opts.column ?? 'status';
    this.idColumn = opts.idColumn ?? 'id';
    for (const c of [this.column, this.idColumn]) {
      if (!repo.metadata.findColumnWithPropertyName(c)) throw new Error(`${this.name} has no column ${c}`);
    }
  }

  /** The same transitions through another repository of the entity (e.g. a transaction's manager's). */
  with(repo: Repository<E>): StateTransitions<E, S> {
    return new StateTransitions(repo, this.opts);
  }

  /** Applies the transition or throws StateTransitionConflict (nothing written then). */
  async transition(id: string | number, t: Transition<E, S>): Promise<void> {
    const from: readonly S[] = typeof t.from === 'string' ? [t.from as S] : (t.from as readonly S[]);
    if (from.length === 0) throw new Error(`${this.name}: a transition needs at least one state to come from`);
    const allowed = this.opts.allowed;
    if (allowed) {
      for (const f of from) {
        if (f !== t.to && !(allowed[f] ?? []).includes(t.to)) throw new Error(`${this.name}: ${f} → ${t.to} is not an allowed transition`);
      }
    }
    const values = { ...(t.set ?? {}), [this.column]: t.to } as QueryDeepPartialEntity<E>;
    const result = await this.repo
      .createQueryBuilder()
      .update()
      .set(values)
      .where(`${this.quoted(this.idColumn)} = :casId`, { casId: id })
      .andWhere(`${this.quoted(this.column)} IN (:...casFrom)`, { casFrom: [...from] })
      .execute();
    if (result.affected === 1) return;
    if (result.affected !== undefined && result.affected > 1) throw new Error(`${this.name}: a transition of ${this.idColumn} = ${id} changed ${result.affected} rows`);
    throw new StateTransitionConflict<S>(this.name, id, from, t.to, await this.stateOf(id));
  }

  /** The row's current state, null when there is no such row. */
  async stateOf(id: string | number): Promise<S | null> {
    const row = await this.repo
      .createQueryBuilder('r')
      .select(`r.${this.column}`, 'state')
      .where(`r.${this.idColumn} = :casId`, { casId: id })
      .getRawOne<{ state: S }>();
    return row ? row.state : null;
  }

  /** The column's name in SQL, quoted (from the entity's metadata, so the naming strategy applies). */
  private quoted(property: string): string {
    const column = this.repo.metadata.findColumnWithPropertyName(property)!;
    return this.repo.manager.connection.driver.escape(column.databaseName);
  }
}
