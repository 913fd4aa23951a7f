// first: TypeORM's drivers other than MySQL's are never loaded (@kumo/db/mysql-only, docs/operations.md)
import '@kumo/db/mysql-only';
import 'reflect-metadata';
import { createHttpApp } from '@kumo/common';
import { runService } from '@kumo/service';
import { loadIdentityConfig } from './config';
import { IDENTITY_ENTITIES } from './db/entities';
import { IdentityApiModule } from './identity-api.module';
import { IDENTITY_DATABASE } from './database';
import { connectBus, followCatalogChanges, followRevocations } from './bus';
import { CatalogService } from './services/catalog.service';
import { RevocationService } from './services/revocation.service';

/** The identity API process (Keystone v3 on :5000). */
void runService({
  name: 'identity',
  config: () => loadIdentityConfig(),
  async start({ config, logger, database, onShutdown, listen }) {
    const dataSource = await database({ database: IDENTITY_DATABASE, entities: IDENTITY_ENTITIES });
    const bus = await connectBus(config, logger);
    onShutdown(async () => {
      await bus.settle(2_000);
      await bus.close();
    });
    const module = IdentityApiModule.register({ config, dataSource, publisher: bus.publisher });
    const app = await createHttpApp(module, { service: 'identity', faultStyle: 'keystone', logger });
    await app.get(RevocationService).start();
    const revocationFeed = await followRevocations(bus, app.get(RevocationService), logger);
    onShutdown(() => revocationFeed.close());
    const catalogFeed = await followCatalogChanges(bus, app.get(CatalogService), logger);
    onShutdown(() => catalogFeed.close());
    await listen(app, config.identity.port, config.identity.bind_host);
  },
});
