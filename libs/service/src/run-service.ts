import { createLogger, enableBodyBufferReclaim, Logger, ServiceUserConfig, settleWhenIdle, tuneHeapForStreaming } from '@kumo/common/core';
// types only: @kumo/common's Nest half (listen), @kumo/db (TypeORM) and @kumo/auth (the bus) load when a
// service asks for them, so that a process without a Nest app, a database or token validation (an agent,
// a storage node) does not carry them; token validation comes from @kumo/auth's Nest-free entry (docs/operations.md)
import type { listen } from '@kumo/common';
import type { createDataSource, DataSourceOptions } from '@kumo/db';
import type { SqlPool, SqlPoolOptions } from '@kumo/db/core';
import type { ServiceAuth, ServiceAuthOptions } from '@kumo/auth/core';

/** TypeORM's data source, as @kumo/db makes it. */
export type DataSource = ReturnType<typeof createDataSource>;

/** What every service's config has (its `commonSections`). */
export interface ServiceConfig {
  logging: { level: string };
  database?: { url: string; pool_size: number };
  messaging?: { url: string; exchange_prefix: string };
}

/**
 * When a resource is closed at shutdown: the HTTP server first (no new requests), then buses
 * (the revocation feed, a publisher), then the data source. Within a stage, in registration order.
 */
export type ShutdownStage = 'server' | 'bus' | 'data';
const STAGES: readonly ShutdownStage[] = ['server', 'bus', 'data'];

/** Anything a process closes at shutdown. */
export interface Closable {
  close(): Promise<void> | void;
}

/** A Nest app made by createHttpApp. */
export type ListeningApp = Parameters<typeof listen>[0];

/** What `start` gets: the parsed config, the logger, and the service kit's pieces. */
export interface ServiceKit<C extends ServiceConfig> {
  config: C;
  logger: Logger;
  /** Opens the service's database (url and pool size from the `database` section unless given). */
  database(opts: Omit<DataSourceOptions, 'url'> & { url?: string }): Promise<DataSource>;
  /**
   * A plain mysql2 pool on the service's database, without TypeORM (a process that runs a few fixed
   * statements: compute's console proxy). Checked with one `SELECT 1` at start; closed with the data.
   */
  sql(opts: Omit<SqlPoolOptions, 'url' | 'poolSize'> & { url?: string; poolSize?: number }): Promise<SqlPool>;
  /**
   * Token validation as the service user, cached and evicted by identity's revocation events on
   * the bus (`startServiceAuth`). `passwordKey` names the config key in the error when it is unset.
   */
  serviceAuth(
    credentials: { auth_url: string; username: string; password: string | undefined; passwordKey: string },
    overrides?: Partial<Pick<ServiceAuthOptions, 'cache' | 'identity' | 'bus'>>,
  ): Promise<ServiceAuth>;
  /** A Nest app: listens (and logs where); closed first at shutdown. */
  listen(app: ListeningApp, port: number, host: string): Promise<void>;
  /** Something already serving (a node:http server, a storage node): closed first at shutdown. */
  serve(server: Closable): void;
  /** Anything else to close at shutdown, in `stage` (default `bus`). */
  onShutdown(close: () => Promise<void> | void, stage?: ShutdownStage): void;
}

/** The process seen by runService (a test gives its own). */
export interface ServiceRuntime {
  once(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void;
  exit(code: number): void;
  stderr: { write(line: string): unknown };
  /** A logger instead of the config's (tests). */
  logger?: Logger;
  /** A data source factory instead of MariaDB's (tests). */
  createDataSource?: (opts: DataSourceOptions) => { initialize(): Promise<unknown>; destroy(): Promise<void> };
  /** A SQL pool factory instead of MariaDB's (tests). */
  createSqlPool?: (opts: SqlPoolOptions) => SqlPool;
}

export interface ServiceSpec<C extends ServiceConfig> {
  /** The process's name: log lines' `service`, the start-up failure line's prefix. */
  name: string;
  /** Loads and validates the config (each service's zod schema; a bad key exits 1 with one line). */
  config: () => C;
  /** A streaming service (object, image): V8's heap tuned for streaming, body buffers reclaimed. */
  streaming?: boolean;
  /** Builds and starts the service; resources it opens through the kit are closed at shutdown. */
  start(kit: ServiceKit<C>): Promise<void>;
}

const nodeRuntime: ServiceRuntime = {
  once: (signal, handler) => void process.once(signal, handler),
  exit: (code) => process.exit(code),
  stderr: process.stderr,
};

/** The kit's `serviceAuth` credentials from a section with libs/common's `serviceUserKeys` (`section`: its name, e.g. `image`). */
export function serviceUserOf(keys: ServiceUserConfig, section: string): Parameters<ServiceKit<ServiceConfig>['serviceAuth']>[0] {
  return { auth_url: keys.auth_url, username: keys.service_user, password: keys.service_password, passwordKey: `${section}.service_password` };
}

/** The one line a failed start-up prints: `<name>: failed to start: [<code> ]<message>`. */
export function startFailureLine(name: string, err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? `${e.code} ` : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return `${name}: failed to start: ${code}${message}\n`;
}

/**
 * Runs a service process: config, logger, then `start` (which opens the data source, token
 * validation and its server through the kit), graceful shutdown on SIGTERM/SIGINT (server, bus,
 * data source, then exit 0; exit 1 if a close failed; a second signal exits 1 at once), and a
 * start-up failure as one line on stderr and exit 1. Resolves once the service is started.
 */
export async function runService<C extends ServiceConfig>(spec: ServiceSpec<C>, runtime: ServiceRuntime = nodeRuntime): Promise<void> {
  const closers: Record<ShutdownStage, Array<() => Promise<void> | void>> = { server: [], bus: [], data: [] };
  let logger: Logger | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger?.warn({ signal }, 'second signal: exiting without waiting for the shutdown');
      return runtime.exit(1);
    }
    stopping = true;
    logger?.info({ signal }, 'shutting down');
    let failed = false;
    for (const stage of STAGES) {
      for (const close of closers[stage]) {
        try {
          await close();
        } catch (err) {
          failed = true;
          logger?.error({ stage, err: (err as Error).message }, 'closing failed during shutdown');
        }
      }
    }
    runtime.exit(failed ? 1 : 0);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = () => {
      runtime.once(signal, onSignal);
      void shutdown(signal);
    };
    runtime.once(signal, onSignal);
  }
  try {
    if (spec.streaming) {
      tuneHeapForStreaming();
      enableBodyBufferReclaim();
    }
    const config = spec.config();
    const log = runtime.logger ?? createLogger(spec.name, config.logging.level);
    logger = log;
    // what a load left in the heap goes back to the system once the process is quiet (docs/operations.md)
    const MiB = 1024 * 1024;
    const stopSettle = settleWhenIdle({ onSettle: (before, after) => log.debug({ rssMiB: Math.round(before / MiB), settledMiB: Math.round(after / MiB) }, 'memory settled') });
    closers.data.push(stopSettle);
    const kit: ServiceKit<C> = {
      config,
      logger: log,
      async database(opts) {
        const db = config.database;
        const url = opts.url ?? db?.url;
        if (!url) throw new Error(`${spec.name} has no database url (database.url)`);
        const create = runtime.createDataSource ?? (await import('@kumo/db')).createDataSource;
        const ds = create({ poolSize: db?.pool_size, ...opts, url });
        await ds.initialize();
        closers.data.push(() => ds.destroy());
        return ds as DataSource;
      },
      async sql(opts) {
        const db = config.database;
        const url = opts.url ?? db?.url;
        if (!url) throw new Error(`${spec.name} has no database url (database.url)`);
        const create = runtime.createSqlPool ?? (await import('@kumo/db/core')).createSqlPool;
        const pool = create({ poolSize: db?.pool_size, ...opts, url });
        closers.data.push(() => pool.close());
        await pool.query('SELECT 1');
        return pool;
      },
      async serviceAuth(credentials, overrides = {}) {
        const { passwordKey, password, ...rest } = credentials;
        if (!password) throw new Error(`${passwordKey} is not set: the ${spec.name} service validates tokens as the identity service user`);
        if (!config.messaging) throw new Error(`${spec.name} has no messaging section: token revocations could not reach it`);
        const { startServiceAuth } = await import('@kumo/auth/core');
        const auth = startServiceAuth({ service: spec.name, credentials: { ...rest, password }, messaging: config.messaging, logger: log, ...overrides });
        closers.bus.push(() => auth.close());
        return auth;
      },
      async listen(app, port, host) {
        closers.server.push(() => app.close());
        const { listen: listenApp } = await import('@kumo/common');
        await listenApp(app, port, host, log);
      },
      serve(server) {
        closers.server.push(() => server.close());
      },
      onShutdown(close, stage = 'bus') {
        closers[stage].push(close);
      },
    };
    await spec.start(kit);
  } catch (err) {
    runtime.stderr.write(startFailureLine(spec.name, err));
    runtime.exit(1);
  }
}
