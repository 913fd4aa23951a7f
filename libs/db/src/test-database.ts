import { randomBytes } from 'node:crypto';
import { createDataSource, DataSourceOptions, dropDatabase, ensureDatabase } from './data-source';

type DataSource = ReturnType<typeof createDataSource>;

export interface TestDatabase {
  name: string;
  url: string;
  dataSource: DataSource;
  /** Destroys the data source and drops the database. */
  drop(): Promise<void>;
}

/** The server integration tests use: KUMO_TEST_DATABASE_URL, else the local root account. */
export function testDatabaseUrl(): string {
  return process.env.KUMO_TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306';
}

/**
 * A throwaway database for one integration-test file (libs/db's own and, through `@kumo/testing`,
 * every service's): `kumo_test_<service>_<random>`, migrated,
 * dropped by `drop()` (call it in afterAll).
 */
export async function createTestDatabase(
  service: string,
  opts: Omit<DataSourceOptions, 'url' | 'database'>,
): Promise<TestDatabase> {
  const url = testDatabaseUrl();
  const name = `kumo_test_${service}_${randomBytes(4).toString('hex')}`;
  await ensureDatabase(url, name);
  const dataSource = createDataSource({ ...opts, url, database: name, poolSize: opts.poolSize ?? 4 });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    name,
    url,
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await dropDatabase(url, name);
    },
  };
}
