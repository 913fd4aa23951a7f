import { Column, Entity, MigrationInterface, PrimaryColumn, QueryRunner, UpdateDateColumn } from 'typeorm';
import { createTestDatabase, TestDatabase } from '../src/test-database';
import { StateTransitionConflict, StateTransitions } from '../src/state-transition';

type UploadState = 'queued' | 'saving' | 'active' | 'deactivated';

@Entity('upload')
class Upload {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 20 }) status!: UploadState;
  @Column({ type: 'varchar', length: 64, nullable: true }) storedAt!: string | null;
  @UpdateDateColumn({ type: 'datetime', precision: 6 }) updatedAt!: Date;
}

class CreateUpload1700000000001 implements MigrationInterface {
  name = 'CreateUpload1700000000001';
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE TABLE upload (id varchar(36) NOT NULL PRIMARY KEY, status varchar(20) NOT NULL, stored_at varchar(64) NULL, updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))',
    );
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE upload');
  }
}

/** The compare-and-set helper on a real MariaDB: one UPDATE … WHERE id AND status IN (…), exactly one row. */
describe('StateTransitions on MariaDB', () => {
  let db: TestDatabase;
  let states: StateTransitions<Upload, UploadState>;
  const row = async (id: string) => db.dataSource.getRepository(Upload).findOneByOrFail({ id });
  const insert = (id: string, status: UploadState) => db.dataSource.getRepository(Upload).insert({ id, status, storedAt: null, updatedAt: new Date('2020-01-01T00:00:00Z') });

  beforeAll(async () => {
    db = await createTestDatabase('dbcas', { entities: [Upload], migrations: [CreateUpload1700000000001] });
    states = new StateTransitions<Upload, UploadState>(db.dataSource.getRepository(Upload), {
      allowed: { queued: ['saving'], saving: ['active', 'queued'], active: ['deactivated'], deactivated: ['active'] },
    });
  });
  afterAll(() => db.drop());

  it('applies a transition from an expected state, with the other columns, and bumps the update date', async () => {
    await insert('a', 'queued');
    await states.transition('a', { from: 'queued', to: 'saving' });
    await states.transition('a', { from: 'saving', to: 'active', set: { storedAt: 'file:///a' } });
    const a = await row('a');
    expect(a).toMatchObject({ status: 'active', storedAt: 'file:///a' });
    expect(a.updatedAt.getTime()).toBeGreaterThan(new Date('2020-01-01T00:00:00Z').getTime());
  });

  it('refuses a row in another state, reports the state found, and writes nothing', async () => {
    await insert('b', 'active');
    const err = await states.transition('b', { from: 'saving', to: 'active', set: { storedAt: 'file:///b' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateTransitionConflict);
    expect(err).toMatchObject({ status: 409, entity: 'Upload', id: 'b', expected: ['saving'], to: 'active', found: 'active' });
    expect(await row('b')).toMatchObject({ status: 'active', storedAt: null });
  });

  it('reports a missing row as found: null', async () => {
    await expect(states.transition('nope', { from: 'queued', to: 'saving' })).rejects.toMatchObject({ found: null, message: 'Upload nope is missing, not queued: it cannot become saving' });
  });

  it('counts a row already in the target state as the one row (from lists it)', async () => {
    await insert('c', 'deactivated');
    await expect(states.transition('c', { from: ['active', 'deactivated'], to: 'deactivated' })).resolves.toBeUndefined();
    expect((await row('c')).status).toBe('deactivated');
  });

  it('lets exactly one of many racing callers win the same transition', async () => {
    await insert('d', 'queued');
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => states.transition('d', { from: 'queued', to: 'saving' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(losers).toHaveLength(7);
    for (const l of losers) expect(l.reason).toMatchObject({ found: 'saving' });
  });

  it('runs inside a transaction through another repository, and rolls back with it', async () => {
    await insert('e', 'queued');
    await db.dataSource
      .transaction(async (m) => {
        await states.with(m.getRepository(Upload)).transition('e', { from: 'queued', to: 'saving' });
        throw new Error('rollback');
      })
      .catch(() => undefined);
    expect((await row('e')).status).toBe('queued');
  });
});
