import { existsSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';

/**
 * `import '@kumo/db/mysql-only'` first in a process that runs TypeORM (before its entities, which
 * load TypeORM): TypeORM's DriverFactory requires every driver it has, and Kumo runs only MySQL /
 * MariaDB. The drivers below are put in Node's module cache as a class that refuses to be built, so
 * their code is never loaded: ~1 MiB of source (the Postgres, SQL Server, Cockroach, SAP, Oracle,
 * Spanner... query runners) and ~3 MiB of RSS per process (docs/operations.md). A driver that is
 * already loaded, or a TypeORM whose files moved, is left alone (then nothing is saved).
 */
export const SKIPPED_TYPEORM_DRIVERS = [
  'cockroachdb/CockroachDriver',
  'mongodb/MongoDriver',
  'sqlserver/SqlServerDriver',
  'oracle/OracleDriver',
  'sqlite/SqliteDriver',
  'cordova/CordovaDriver',
  'react-native/ReactNativeDriver',
  'nativescript/NativescriptDriver',
  'sqljs/SqljsDriver',
  'postgres/PostgresDriver',
  'expo/ExpoDriverFactory',
  'aurora-mysql/AuroraMysqlDriver',
  'aurora-postgres/AuroraPostgresDriver',
  'sap/SapDriver',
  'better-sqlite3/BetterSqlite3Driver',
  'capacitor/CapacitorDriver',
  'spanner/SpannerDriver',
] as const;

/** Puts the skipped drivers in `cache` (Node's require.cache); returns the files it put there. */
export function skipUnusedTypeormDrivers(cache: NodeJS.Dict<NodeJS.Module> = require.cache): string[] {
  let driverDir: string;
  try {
    driverDir = join(dirname(createRequire(__filename).resolve('typeorm')), 'driver');
  } catch {
    return [];
  }
  const done: string[] = [];
  for (const path of SKIPPED_TYPEORM_DRIVERS) {
    const file = join(driverDir, `${path}.js`);
    if (cache[file] || !existsSync(file)) continue;
    const name = basename(path);
    const stub = new Module(file);
    stub.filename = file;
    stub.loaded = true;
    stub.exports = {
      [name]: class {
        constructor() {
          throw new Error(`${name}: Kumo runs TypeORM on MySQL/MariaDB only; @kumo/db/mysql-only did not load this driver`);
        }
      },
    };
    cache[file] = stub;
    done.push(file);
  }
  return done;
}

skipUnusedTypeormDrivers();
