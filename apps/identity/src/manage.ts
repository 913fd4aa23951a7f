#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { createDataSource, syncDatabase } from '@kumo/db';
import { loadIdentityConfig } from './config';
import { IDENTITY_ENTITIES } from './db/entities';
import { IDENTITY_MIGRATIONS } from './db/migrations';
import { createStandaloneIdentity } from './identity.standalone';
import { BootstrapService } from './services/bootstrap.service';
import { KeyRepository } from './services/key-repository';

import { IDENTITY_DATABASE } from './database';

/** `kumo-manage` for identity: db sync, bootstrap, token key rotation. */
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
    .description('create the Default domain, admin project/user, roles, service project and the catalog (idempotent)')
    .requiredOption('--admin-password <password>', 'password of the admin user')
    .option('--admin-username <name>', 'name of the admin user', 'admin')
    .option('--project-name <name>', 'name of the admin project', 'admin')
    .action(async (opts: { adminPassword: string; adminUsername: string; projectName: string }) => {
      const config = loadIdentityConfig();
      const ds = createDataSource({ url: config.database.url, database: IDENTITY_DATABASE, entities: IDENTITY_ENTITIES });
      await ds.initialize();
      const app = await createStandaloneIdentity(config, ds);
      try {
        await app.get(BootstrapService).run(
          { adminPassword: opts.adminPassword, adminUser: opts.adminUsername, adminProject: opts.projectName },
          (line) => console.log(line),
        );
        console.log('bootstrap complete');
      } finally {
        await app.close();
        await ds.destroy();
      }
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

main(process.argv).catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  console.error(`kumo-manage: ${e.code === 'ECONNREFUSED' ? 'cannot reach the database: ' : ''}${e.message ?? String(err)}`);
  process.exit(1);
});
