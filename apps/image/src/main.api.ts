import 'reflect-metadata';
import { createLogger, enableBodyBufferReclaim, listen, tuneHeapForStreaming } from '@kumo/common';
import { startServiceAuth } from '@kumo/auth';
import { createDataSource } from '@kumo/db';
import { createImageApp } from './app';
import { IMAGE_DATABASE, loadImageConfig } from './config';
import { IMAGE_ENTITIES } from './db/entities';
import { createStore } from './drivers/store-registry';

/** The image API process (Glance v2 on :9292). */
async function main(): Promise<void> {
  tuneHeapForStreaming();
  enableBodyBufferReclaim();
  const config = loadImageConfig();
  const c = config.image;
  const logger = createLogger('image', config.logging.level);
  if (!c.service_password) throw new Error('image.service_password is not set: the image service validates tokens as the identity service user');
  const dataSource = createDataSource({ url: config.database.url, database: IMAGE_DATABASE, entities: IMAGE_ENTITIES, poolSize: config.database.pool_size });
  await dataSource.initialize();
  const store = await createStore(config);
  const auth = startServiceAuth({
    service: 'image',
    credentials: { auth_url: c.auth_url, username: c.service_user, password: c.service_password },
    messaging: config.messaging,
    logger,
  });
  const app = await createImageApp({ config, dataSource, store, validator: auth.validator, logger });
  const shutdown = async () => {
    logger.info('shutting down');
    await app.close();
    await auth.close();
    await dataSource.destroy();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
  await listen(app, c.port, c.bind_host, logger);
  logger.info({ store: store.name }, 'image store ready');
}

main().catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  process.stderr.write(`image: failed to start: ${e.code ? `${e.code} ` : ''}${e.message ?? String(err)}\n`);
  process.exit(1);
});
