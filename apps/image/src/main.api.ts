// first: TypeORM's drivers other than MySQL's are never loaded (@kumo/db/mysql-only, docs/operations.md)
import '@kumo/db/mysql-only';
import 'reflect-metadata';
import { runService, serviceUserOf } from '@kumo/service';
import { createImageApp } from './app';
import { IMAGE_DATABASE, loadImageConfig } from './config';
import { IMAGE_ENTITIES } from './db/entities';
import { createStore } from './drivers/store-registry';

/** The image API process (Glance v2 on :9292). */
void runService({
  name: 'image',
  streaming: true,
  config: () => loadImageConfig(),
  async start({ config, logger, database, serviceAuth, listen }) {
    const c = config.image;
    const auth = await serviceAuth(serviceUserOf(c, 'image'));
    const dataSource = await database({ database: IMAGE_DATABASE, entities: IMAGE_ENTITIES });
    const store = await createStore(config);
    const app = await createImageApp({ config, dataSource, store, validator: auth.validator, logger });
    await listen(app, c.port, c.bind_host);
    logger.info({ store: store.name }, 'image store ready');
  },
});
