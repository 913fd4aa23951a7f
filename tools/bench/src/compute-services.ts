#!/usr/bin/env node
/**
 * The compute control plane for the scale benchmark, on its own database so that the stack's is
 * never filled with 1,000 servers and 200 fake hosts: the compute API's and scheduler's own code
 * (`createComputeApp`, `startScheduler`, the compute migrations), as apps/compute's main.api.js and
 * main.scheduler.js run it, with database `--database` (default kumo_compute_bench) instead of
 * kumo_compute. Configuration is KUMO_CONFIG's (run.sh writes .bench/compute/kumo.yaml: another
 * port, another exchange prefix).
 *
 *   KUMO_CONFIG=.bench/compute/kumo.yaml node tools/bench/dist/compute-services.js sync|api|scheduler
 */
// as main.api.ts and main.scheduler.ts: TypeORM's other drivers are never loaded
import '@kumo/db/mysql-only';
import 'reflect-metadata';
import { hostname } from 'node:os';
import { MessagingClient } from '@kumo/messaging';
import { runService } from '@kumo/service';
import { loadComputeConfig, type ComputeConfig } from '@kumo/compute/dist/config';
import { COMPUTE_ENTITIES } from '@kumo/compute/dist/db/entities';
// Each role loads only what its main.*.js loads (the API's Nest app is not in the scheduler, nor the
// migrations in either), so that their RSS is the stack's processes' (docs/operations.md).

const [role, ...rest] = process.argv.slice(2);
const flag = rest.indexOf('--database');
const DATABASE = flag >= 0 ? rest[flag + 1] : 'kumo_compute_bench';
if (!/^kumo_[a-z0-9_]+$/.test(DATABASE ?? '') || DATABASE === 'kumo_compute') {
  console.error(
    `compute-services: --database wants a kumo_* name other than the stack's kumo_compute, not ${DATABASE}`,
  );
  process.exit(2);
}
const bus = (config: ComputeConfig, logger: import('@kumo/common').Logger, name: string) =>
  new MessagingClient({
    url: config.messaging.url,
    exchangePrefix: config.messaging.exchange_prefix,
    rpcTimeoutMs: config.messaging.rpc_timeout_ms,
    logger,
    connectionName: `kumo bench ${name}`,
  });

if (role === 'sync') {
  const config = loadComputeConfig();
  const sync = async () => {
    const { syncDatabase } = await import('@kumo/db');
    const { COMPUTE_MIGRATIONS } = await import('@kumo/compute/dist/db/migrations');
    await syncDatabase(
      {
        url: config.database.url,
        database: DATABASE,
        entities: COMPUTE_ENTITIES,
        migrations: COMPUTE_MIGRATIONS,
      },
      (line) => console.log(line),
    );
  };
  sync().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`compute-services sync: ${(err as Error).message}`);
      process.exit(1);
    },
  );
} else if (role === 'api') {
  void runService({
    name: 'compute',
    config: () => loadComputeConfig(),
    async start({ config, logger, database, serviceAuth, listen, onShutdown }) {
      const { createComputeApp } = await import('@kumo/compute/dist/app');
      const { GlanceImageService } = await import('@kumo/compute/dist/clients/images');
      const { IdentityProjectDirectory } = await import('@kumo/compute/dist/clients/identity-projects');
      const c = config.compute;
      const auth = await serviceAuth({
        auth_url: c.auth_url,
        username: c.service_user,
        password: c.service_password,
        passwordKey: 'compute.service_password',
      });
      const dataSource = await database({ database: DATABASE, entities: COMPUTE_ENTITIES });
      const projects = new IdentityProjectDirectory(c.auth_url, (projectId, why) =>
        logger.info({ projectId, why }, 'project id not verified'),
      );
      const b = bus(config, logger, 'compute-api');
      onShutdown(() => b.close(), 'bus');
      const app = await createComputeApp({
        config,
        dataSource,
        validator: auth.validator,
        projects,
        logger,
        bus: b,
        images: new GlanceImageService(c.image_url),
      });
      await listen(app, c.port, c.bind_host);
    },
  });
} else if (role === 'scheduler') {
  void runService({
    name: 'compute-scheduler',
    config: () => loadComputeConfig(),
    async start({ config, logger, database, onShutdown }) {
      const { startScheduler } = await import('@kumo/compute/dist/scheduler/scheduler-process');
      const dataSource = await database({ database: DATABASE, entities: COMPUTE_ENTITIES });
      const b = bus(config, logger, 'compute-scheduler');
      onShutdown(() => b.close(), 'data');
      const scheduler = await startScheduler({
        config,
        dataSource,
        bus: b,
        logger,
        host: `${process.env.BENCH_SCHEDULER_NAME ?? 'bench-scheduler'}-${hostname()}`,
      });
      onShutdown(() => scheduler.stop(), 'server');
      logger.info({ database: DATABASE }, 'bench compute scheduler and conductor serving');
    },
  });
} else {
  console.error(
    'usage: KUMO_CONFIG=FILE node tools/bench/dist/compute-services.js sync|api|scheduler [--database kumo_compute_bench]',
  );
  process.exit(2);
}
