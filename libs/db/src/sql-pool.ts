import { createPool } from 'mysql2/promise';

/**
 * A plain mysql2 connection pool on a service's database, for a process that runs a few fixed
 * statements and does not need TypeORM (compute's console proxy consumes console tokens with one
 * UPDATE and one SELECT): TypeORM and its drivers cost such a process ~15 MiB of RSS
 * (docs/operations.md). `@kumo/db/core` exports this without loading TypeORM.
 */
export interface SqlPoolOptions {
  /** mysql://user:password@host:port (no database part), as DataSourceOptions.url. */
  url: string;
  database: string;
  poolSize?: number;
}

/** What `query` answers is mysql2's (and TypeORM's DataSource.query's): the rows of a SELECT, the result header of an UPDATE. */
export interface SqlPool {
  query(sql: string, params?: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

/** Host, port, user and password of a database URL (mysql://user:password@host:port/). */
export function serverConnection(url: string): { host: string; port: number; user: string; password: string } {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password || ''),
  };
}

/** The pool (connections are opened on first use; the session settings are the data source's: UTC, utf8mb4_bin). */
export function createSqlPool(opts: SqlPoolOptions): SqlPool {
  const pool = createPool({
    ...serverConnection(opts.url),
    database: opts.database,
    connectionLimit: opts.poolSize ?? 4,
    charset: 'UTF8MB4_BIN',
    timezone: 'Z',
  });
  return {
    async query(sql, params = []) {
      const [result] = await pool.query(sql, params);
      return result;
    },
    close: () => pool.end(),
  };
}
