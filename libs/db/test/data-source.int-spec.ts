import { Column, Entity, MigrationInterface, PrimaryColumn, QueryRunner } from 'typeorm';
import { createConnection } from 'mysql2/promise';
import { createTestDatabase, TestDatabase, testDatabaseUrl } from '../src/test-database';
import { createSqlPool } from '../src/core';

@Entity('widget')
class Widget {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;
  @Column({ type: 'varchar', length: 64 })
  displayName!: string;
  @Column({ type: 'varchar', length: 32, nullable: true })
  taskState!: string | null;
}

class CreateWidget1700000000000 implements MigrationInterface {
  name = 'CreateWidget1700000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE TABLE widget (id varchar(64) NOT NULL PRIMARY KEY, display_name varchar(64) NOT NULL, task_state varchar(32) NULL)',
    );
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE widget');
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const u = new URL(testDatabaseUrl());
  const conn = await createConnection({ host: u.hostname, port: Number(u.port || 3306), user: u.username || 'root', password: u.password });
  try {
    const [rows] = await conn.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [name]);
    return (rows as unknown[]).length === 1;
  } finally {
    await conn.end();
  }
}

describe('createTestDatabase', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('dbtest', { entities: [Widget], migrations: [CreateWidget1700000000000] });
  });
  afterAll(async () => {
    await db.drop();
  });

  it('runs the migrations and maps camelCase properties to snake_case columns', async () => {
    const repo = db.dataSource.getRepository(Widget);
    await repo.insert({ id: 'a', displayName: 'Alpha', taskState: null });
    const [row] = await db.dataSource.query('SELECT display_name FROM widget WHERE id = ?', ['a']);
    expect(row.display_name).toBe('Alpha');
  });

  it('supports compare-and-set updates (exactly one row affected)', async () => {
    const repo = db.dataSource.getRepository(Widget);
    await repo.insert({ id: 'b', displayName: 'Beta', taskState: 'spawning' });
    const first = await repo.update({ id: 'b', taskState: 'spawning' }, { taskState: 'deleting' });
    const second = await repo.update({ id: 'b', taskState: 'spawning' }, { taskState: 'deleting' });
    expect(first.affected).toBe(1);
    expect(second.affected).toBe(0);
  });

  it('compares names exactly (byte order collation)', async () => {
    const repo = db.dataSource.getRepository(Widget);
    await repo.insert({ id: 'c', displayName: 'Case', taskState: null });
    await expect(repo.findOneBy({ displayName: 'case' })).resolves.toBeNull();
  });

  it('a plain SQL pool (@kumo/db/core, no TypeORM) answers as DataSource.query does, with the same exact collation', async () => {
    const pool = createSqlPool({ url: db.url, database: db.name, poolSize: 2 });
    try {
      await db.dataSource.query('INSERT INTO widget (id, display_name) VALUES (?, ?)', ['p', 'Pool']);
      const rows = await pool.query('SELECT display_name FROM widget WHERE id = ?', ['p']);
      expect(rows).toEqual(await db.dataSource.query('SELECT display_name FROM widget WHERE id = ?', ['p']));
      const first = (await pool.query('UPDATE widget SET task_state = ? WHERE id = ? AND task_state IS NULL', ['x', 'p'])) as { affectedRows: number };
      const second = (await pool.query('UPDATE widget SET task_state = ? WHERE id = ? AND task_state IS NULL', ['x', 'p'])) as { affectedRows: number };
      expect([first.affectedRows, second.affectedRows]).toEqual([1, 0]);
      await expect(pool.query('SELECT id FROM widget WHERE display_name = ?', ['pool'])).resolves.toEqual([]);
    } finally {
      await pool.close();
    }
  });

  it('drops the database afterwards', async () => {
    const other = await createTestDatabase('dbtest', { entities: [Widget], migrations: [CreateWidget1700000000000] });
    await expect(databaseExists(other.name)).resolves.toBe(true);
    await other.drop();
    await expect(databaseExists(other.name)).resolves.toBe(false);
  });
});
