// first: TypeORM's drivers other than MySQL's are never loaded (@kumo/db/mysql-only, docs/operations.md)
import '@kumo/db/mysql-only';
import 'reflect-metadata';
import { hostname } from 'node:os';
import { MessagingClient } from '@kumo/messaging';
import { runService } from '@kumo/service';
import { COMPUTE_DATABASE, loadComputeConfig } from './config';
import { COMPUTE_ENTITIES } from './db/entities';
import { startScheduler } from './scheduler/scheduler-process';

/** The compute scheduler process: serves computeScheduler (placement) and computeConductor (what agents report), and watches builds. */
void runService({
  name: 'compute-scheduler',
  config: () => loadComputeConfig(),
  async start({ config, logger, database, onShutdown }) {
    const dataSource = await database({ database: COMPUTE_DATABASE, entities: COMPUTE_ENTITIES });
    const bus = new MessagingClient({ url: config.messaging.url, exchangePrefix: config.messaging.exchange_prefix, rpcTimeoutMs: config.messaging.rpc_timeout_ms, logger, connectionName: 'kumo compute-scheduler' });
    onShutdown(() => bus.close(), 'data');
    const scheduler = await startScheduler({ config, dataSource, bus, logger, host: hostname() });
    onShutdown(() => scheduler.stop(), 'server');
    logger.info({ host: hostname() }, 'compute scheduler and conductor serving');
  },
});
