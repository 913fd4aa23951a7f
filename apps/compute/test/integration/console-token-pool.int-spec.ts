// The console proxy's tokens on a plain mysql2 pool (@kumo/db/core, no TypeORM in that process:
// docs/operations.md) against the API's repository on the same database: one token is spent once,
// whichever path consumes it, and both paths say the same about unknown, used and expired tokens.
import { createSqlPool, type SqlPool } from '@kumo/db/core';
import { createTestDatabase, type TestDatabase } from '@kumo/testing';
import { COMPUTE_ENTITIES } from '../../src/db/entities';
import { COMPUTE_MIGRATIONS } from '../../src/db/migrations';
import { ConsoleAuthTokenRepository } from '../../src/db/repositories/console-auth-token.repository';
import { SqlConsoleTokens } from '../../src/db/repositories/console-token-consume';
import { hashConsoleToken } from '../../src/services/console-tokens';

describe('console tokens on a plain SQL pool (the console proxy)', () => {
  let db: TestDatabase;
  let pool: SqlPool;
  let repo: ConsoleAuthTokenRepository;
  let proxy: SqlConsoleTokens;
  const instanceUuid = '5f0c7b0e-3b2a-4c1d-9e8f-0a1b2c3d4e5f';
  const make = (token: string, ttl = 600) =>
    repo.create({ tokenHash: hashConsoleToken(token), consoleType: 'serial', instanceUuid, host: 'node-1', requestId: 'req-x' }, ttl);

  beforeAll(async () => {
    db = await createTestDatabase('compute', { entities: COMPUTE_ENTITIES, migrations: COMPUTE_MIGRATIONS });
    pool = createSqlPool({ url: db.url, database: db.name, poolSize: 4 });
    repo = new ConsoleAuthTokenRepository(db.dataSource);
    proxy = new SqlConsoleTokens(pool.query);
  });
  afterAll(async () => {
    await pool?.close();
    await db?.drop();
  });

  it('hands back what the proxy needs of the token, once', async () => {
    await make('pool-token');
    const r = await proxy.consume(hashConsoleToken('pool-token'));
    expect(r).toEqual({ ok: true, token: { id: expect.any(Number), consoleType: 'serial', instanceUuid, host: 'node-1', requestId: 'req-x' } });
    expect(await proxy.consume(hashConsoleToken('pool-token'))).toEqual({ ok: false, reason: 'used' });
    expect(await repo.consume(hashConsoleToken('pool-token'))).toEqual({ ok: false, reason: 'used' });
  });

  it('spends a token once when the pool and the data source race for it (20 consumers)', async () => {
    await make('race');
    const hash = hashConsoleToken('race');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? proxy : repo).consume(hash)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.reason))).toEqual(Array(19).fill('used'));
  });

  it('says unknown and expired as the repository does', async () => {
    expect(await proxy.consume(hashConsoleToken('never-made'))).toEqual({ ok: false, reason: 'unknown' });
    await make('short', 1);
    await db.dataSource.query('UPDATE console_auth_token SET expires_at = NOW(6) - INTERVAL 1 SECOND WHERE token_hash = ?', [hashConsoleToken('short')]);
    expect(await proxy.consume(hashConsoleToken('short'))).toEqual({ ok: false, reason: 'expired' });
    expect(await repo.consume(hashConsoleToken('short'))).toEqual({ ok: false, reason: 'expired' });
  });
});
