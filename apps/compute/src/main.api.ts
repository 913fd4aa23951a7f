// first: TypeORM's drivers other than MySQL's are never loaded (@kumo/db/mysql-only, docs/operations.md)
import '@kumo/db/mysql-only';
import 'reflect-metadata';
import { runService } from '@kumo/service';
import { MessagingClient } from '@kumo/messaging';
import { GlanceImageService } from './clients/images';
import { createComputeApp } from './app';
import { IdentityProjectDirectory } from './clients/identity-projects';
import { COMPUTE_DATABASE, loadComputeConfig } from './config';
import { COMPUTE_ENTITIES } from './db/entities';

/** The compute API process (Nova v2.1 on :8774). */
void runService({
  name: 'compute',
  config: () => loadComputeConfig(),
  async start({ config, logger, database, serviceAuth, listen, onShutdown }) {
    const c = config.compute;
    const auth = await serviceAuth({ auth_url: c.auth_url, username: c.service_user, password: c.service_password, passwordKey: 'compute.service_password' });
    const dataSource = await database({ database: COMPUTE_DATABASE, entities: COMPUTE_ENTITIES });
    const projects = new IdentityProjectDirectory(c.auth_url, (projectId, why) => logger.info({ projectId, why }, 'project id not verified; accepted as Nova does'));
    const bus = new MessagingClient({ url: config.messaging.url, exchangePrefix: config.messaging.exchange_prefix, rpcTimeoutMs: config.messaging.rpc_timeout_ms, logger, connectionName: 'kumo compute-api' });
    onShutdown(() => bus.close(), 'bus');
    const app = await createComputeApp({ config, dataSource, validator: auth.validator, projects, logger, bus, images: new GlanceImageService(c.image_url) });
    await listen(app, c.port, c.bind_host);
  },
});
