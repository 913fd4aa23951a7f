import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';

interface Column {
  property: string;
  column: string;
  kind: 'json' | 'boolean' | 'plain';
}

/**
 * Rows of one entity's table read and written with plain SQL on the hot paths (the scheduler's and
 * conductor's reads and compare-and-set updates, the API's insert of a create), where TypeORM's
 * query building and hydration cost more than the round trip itself. The columns come from the
 * entity's TypeORM metadata (names, simple-json, booleans), so the SQL and the entity cannot drift
 * apart; values read are what TypeORM would hydrate (mysql2 already gives dates as Date and ints as
 * numbers; simple-json parsed, tinyint booleans as booleans).
 */
export class EntityRows<T extends ObjectLiteral> {
  readonly table: string;
  private readonly columns: Column[];
  private readonly byProperty: Map<string, Column>;
  /** the `updated_at`-like column TypeORM sets on every update, if any */
  private readonly updateDate?: string;

  constructor(ds: DataSource, private readonly entity: EntityTarget<T> & (new () => T)) {
    const meta = ds.getMetadata(entity);
    this.table = meta.tableName;
    this.columns = meta.columns.map((c) => ({
      property: c.propertyName,
      column: c.databaseName,
      kind: c.type === 'simple-json' ? 'json' : c.type === 'boolean' || c.type === Boolean ? 'boolean' : 'plain',
    }));
    this.byProperty = new Map(this.columns.map((c) => [c.property, c]));
    this.updateDate = meta.updateDateColumn?.databaseName;
  }

  /** An entity from a `SELECT *` row. */
  fromRow(row: Record<string, unknown>): T {
    const out = new this.entity() as Record<string, unknown>;
    for (const c of this.columns) {
      const v = row[c.column];
      out[c.property] = v === null || v === undefined ? (v ?? null) : c.kind === 'json' ? JSON.parse(String(v)) : c.kind === 'boolean' ? Boolean(Number(v)) : v;
    }
    return out as T;
  }

  private value(c: Column, v: unknown): unknown {
    if (v === null || v === undefined) return null;
    return c.kind === 'json' ? JSON.stringify(v) : c.kind === 'boolean' ? (v ? 1 : 0) : v;
  }

  /**
   * `col = ?, …` for a patch of properties, with its parameters; the update-date column is set to
   * now (the database's) unless the patch sets it.
   */
  assignments(patch: Partial<T>): { sql: string; params: unknown[] } {
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [k, v] of Object.entries(patch)) {
      const c = this.byProperty.get(k);
      if (!c || v === undefined) continue;
      sets.push(`\`${c.column}\` = ?`);
      params.push(this.value(c, v));
    }
    if (this.updateDate && !sets.some((s) => s.startsWith(`\`${this.updateDate}\` `))) sets.push(`\`${this.updateDate}\` = CURRENT_TIMESTAMP(6)`);
    return { sql: sets.join(', '), params };
  }

  /** A multi-row INSERT of these entities (every column but those given as undefined in the first). */
  insert(rows: Array<Partial<T>>): { sql: string; params: unknown[] } {
    const cols = this.columns.filter((c) => (rows[0] as Record<string, unknown>)[c.property] !== undefined);
    const one = `(${cols.map(() => '?').join(', ')})`;
    return {
      sql: `INSERT INTO \`${this.table}\` (${cols.map((c) => `\`${c.column}\``).join(', ')}) VALUES ${rows.map(() => one).join(', ')}`,
      params: rows.flatMap((r) => cols.map((c) => this.value(c, (r as Record<string, unknown>)[c.property]))),
    };
  }
}
