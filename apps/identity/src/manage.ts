#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { createLogger } from '@kumo/common';
import { createDataSource, syncDatabase } from '@kumo/db';
import { loadIdentityConfig } from './config';
import { IDENTITY_ENTITIES } from './db/entities';
import { IDENTITY_MIGRATIONS } from './db/migrations';
import { connectBus } from './bus';
import { createStandaloneIdentity } from './identity.standalone';
import { CATALOG_FALLBACK_REFRESH_MS } from './services/catalog.service';
import { BootstrapService } from './services/bootstrap.service';
import { KeyRepository } from './services/key-repository';

import { IDENTITY_DATABASE } from './database';

/** `kumo-manage` for identity: db sync, bootstrap, the catalog, token key rotation. */
async function main(argv: string[]): Promise<void> {
  const program = new Command('kumo-manage').description('Kumo identity management').showHelpAfterError();
  const db = program.command('db').description('database schema');
  db.command('sync')
    .argument('[service]', 'service whose database to migrate', 'identity')
    .description('create the database if missing and apply pending migrations')
    .action(async (service: string) => {
      if (service !== 'identity') throw new Error(`this is identity's manage command; unknown service ${service}`);
      const config = loadIdentityConfig();
      await syncDatabase(
        { url: config.database.url, database: IDENTITY_DATABASE, entities: IDENTITY_ENTITIES, migrations: IDENTITY_MIGRATIONS },
        (line) => console.log(line),
      );
    });
  program
    .command('bootstrap')
    .description("create the Default domain, admin project/user, roles, service project and identity's catalog entry (idempotent)")
    .requiredOption('--admin-password <password>', 'password of the admin user')
    .option('--admin-username <name>', 'name of the admin user', 'admin')
    .option('--project-name <name>', 'name of the admin project', 'admin')
    .action(async (opts: { adminPassword: string; adminUsername: string; projectName: string }) => {
      await withBootstrap(async (b) => {
        await b.run({ adminPassword: opts.adminPassword, adminUser: opts.adminUsername, adminProject: opts.projectName }, (line) => console.log(line));
        console.log('bootstrap complete');
      });
    });
  const catalog = program.command('catalog').description('the service catalog: what is deployed, and only that');
  catalog
    .command('register')
    .description('register a deployed service and its public, internal and admin endpoints (idempotent: brings them to these URLs)')
    .requiredOption('--type <type>', 'service type, e.g. image, object-store, compute')
    .option('--name <name>', "service name (default: Kumo's for the type, e.g. glance)")
    .option('--url <url>', "public URL, also internal and admin unless given (default: Kumo's port and path on identity's catalog_*_host)")
    .option('--internal-url <url>', 'internal URL')
    .option('--admin-url <url>', 'admin URL')
    .action(async (opts: { type: string; name?: string; url?: string; internalUrl?: string; adminUrl?: string }) => {
      await withBootstrap((b) => b.register(opts, (line) => console.log(line)));
    });
  catalog
    .command('remove')
    .description('remove every service of a type with its endpoints (idempotent)')
    .requiredOption('--type <type>', 'service type, e.g. compute')
    .action(async (opts: { type: string }) => {
      await withBootstrap(async (b) => {
        if (!(await b.remove(opts.type, (line) => console.log(line)))) console.log(`the catalog has no ${opts.type} service`);
      });
    });
  catalog
    .command('prune')
    .description("remove Kumo's service types that are not deployed (never identity, never types Kumo does not know)")
    .requiredOption('--keep <types>', 'comma-separated types that are deployed, e.g. object-store,image')
    .action(async (opts: { keep: string }) => {
      const keep = opts.keep.split(',').map((t) => t.trim()).filter(Boolean);
      await withBootstrap((b) => b.prune(keep, (line) => console.log(line)).then(() => undefined));
    });
  const token = program.command('token').description('token signing keys');
  token
    .command('rotate')
    .description('add a new signing key (older keys keep verifying); restart identity to use it')
    .action(() => {
      const config = loadIdentityConfig();
      const n = new KeyRepository(config.identity.key_repository).rotate();
      console.log(`created signing key ${n} in ${config.identity.key_repository}`);
    });
  await program.parseAsync(argv);
}

/** How long kumo-manage waits for the broker to confirm its catalog events. */
const EVENTS_CONFIRM_MS = 5_000;

/**
 * Runs `fn` with identity's bootstrap service on the configured database. Its catalog changes go
 * on the bus (`identity.catalog.changed`), so running identity processes rebuild their catalog at
 * once; when the broker does not confirm them, one line says how long the processes may take.
 */
async function withBootstrap(fn: (b: BootstrapService) => Promise<void>): Promise<void> {
  const config = loadIdentityConfig();
  const ds = createDataSource({ url: config.database.url, database: IDENTITY_DATABASE, entities: IDENTITY_ENTITIES });
  await ds.initialize();
  const bus = await connectBus(config, createLogger('kumo-manage', 'fatal'));
  const app = await createStandaloneIdentity(config, ds, bus.publisher);
  try {
    await fn(app.get(BootstrapService));
  } finally {
    if (!(await bus.settle(EVENTS_CONFIRM_MS))) {
      console.warn(`kumo-manage: the message bus did not confirm the catalog change; running identity processes show it within ${CATALOG_FALLBACK_REFRESH_MS / 60_000} minutes`);
    }
    await bus.close().catch(() => undefined);
    await app.close();
    await ds.destroy();
  }
}

main(process.argv).catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  console.error(`kumo-manage: ${e.code === 'ECONNREFUSED' ? 'cannot reach the database: ' : ''}${e.message ?? String(err)}`);
  process.exit(1);
});
