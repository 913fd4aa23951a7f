import 'reflect-metadata';
import { createHttpApp, createLogger, listen } from '@kumo/common';
import { createDataSource } from '@kumo/db';
import { loadIdentityConfig } from './config';
import { IDENTITY_ENTITIES } from './db/entities';
import { IdentityApiModule } from './identity-api.module';
import { IDENTITY_DATABASE } from './database';
import { connectBus } from './bus';
import { RevocationService } from './services/revocation.service';

/** The identity API process (Keystone v3 on :5000). */
async function main(): Promise<void> {
  const config = loadIdentityConfig();
  const logger = createLogger('identity', config.logging.level);
  const dataSource = createDataSource({
    url: config.database.url,
    database: IDENTITY_DATABASE,
    entities: IDENTITY_ENTITIES,
    poolSize: config.database.pool_size,
  });
  await dataSource.initialize();
  const bus = await connectBus(config, logger);
  const app = await createHttpApp(IdentityApiModule.register({ config, dataSource, publisher: bus.publisher }), {
    service: 'identity',
    faultStyle: 'keystone',
    logger,
  });
  await app.get(RevocationService).start();
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
  async function shutdown(): Promise<void> {
    logger.info('shutting down');
    await app.close();
    await bus.close();
    await dataSource.destroy();
    process.exit(0);
  }
  await listen(app, config.identity.port, config.identity.bind_host, logger);
}

main().catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  process.stderr.write(`identity: failed to start: ${e.code ? `${e.code} ` : ''}${e.message ?? String(err)}\n`);
  process.exit(1);
});
