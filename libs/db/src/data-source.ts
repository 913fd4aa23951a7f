import { createConnection } from 'mysql2/promise';
import { DataSource, EntitySchema, MixedList } from 'typeorm';
import { SnakeNamingStrategy } from './naming.strategy';
import { serverConnection } from './sql-pool';

export interface DataSourceOptions {
  /** mysql://user:password@host:port (no database part; the service's database is `database`). */
  url: string;
  database: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations?: MixedList<Function | string>;
  poolSize?: number;
  /** Log every SQL statement (debugging only). */
  logSql?: boolean;
}

/** A TypeORM data source on MariaDB/MySQL through mysql2; schema changes only by migrations. */
export function createDataSource(opts: DataSourceOptions): DataSource {
  const { user, ...server } = serverConnection(opts.url);
  return new DataSource({
    type: 'mysql',
    ...server,
    username: user,
    database: opts.database,
    entities: opts.entities,
    migrations: opts.migrations ?? [],
    migrationsTableName: 'migrations',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    charset: 'utf8mb4_bin',
    timezone: 'Z',
    poolSize: opts.poolSize ?? 10,
    // failed queries surface as exceptions (and expected ones, like duplicate keys, are not noise)
    logging: opts.logSql ? 'all' : false,
    extra: { connectionLimit: opts.poolSize ?? 10 },
  });
}

const DB_NAME_RE = /^[a-z][a-z0-9_]{0,63}$/;

async function onServer(url: string, sql: string): Promise<void> {
  const conn = await createConnection(serverConnection(url));
  try {
    await conn.query(sql);
  } finally {
    await conn.end();
  }
}

function checkName(database: string): void {
  if (!DB_NAME_RE.test(database)) throw new Error(`invalid database name ${database}`);
}

/** CREATE DATABASE IF NOT EXISTS, with byte-order collation (names compare exactly, as clients expect). */
export async function ensureDatabase(url: string, database: string): Promise<void> {
  checkName(database);
  await onServer(url, `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
}

export async function dropDatabase(url: string, database: string): Promise<void> {
  checkName(database);
  await onServer(url, `DROP DATABASE IF EXISTS \`${database}\``);
}

/** `kumo-manage db sync <service>`: creates the database when missing and runs pending migrations. */
export async function syncDatabase(
  opts: DataSourceOptions,
  log: (line: string) => void = () => undefined,
): Promise<string[]> {
  await ensureDatabase(opts.url, opts.database);
  const ds = createDataSource(opts);
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    for (const m of ran) log(`applied migration ${m.name}`);
    if (ran.length === 0) log(`database ${opts.database} is up to date`);
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
