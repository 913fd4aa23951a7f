#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { syncDatabase } from '@kumo/db';
import { COMPUTE_DATABASE, loadComputeConfig } from './config';
import { COMPUTE_ENTITIES } from './db/entities';
import { COMPUTE_MIGRATIONS } from './db/migrations';

/** `kumo-manage db sync compute`: the compute service's database. */
async function main(argv: string[]): Promise<void> {
  const program = new Command('kumo-manage').description('Kumo compute management').showHelpAfterError();
  program
    .command('db')
    .command('sync')
    .argument('[service]', 'service whose database to migrate', 'compute')
    .description('create the database if missing and apply pending migrations')
    .action(async (service: string) => {
      if (service !== 'compute') throw new Error(`this is compute's manage command; unknown service ${service}`);
      const config = loadComputeConfig();
      await syncDatabase({ url: config.database.url, database: COMPUTE_DATABASE, entities: COMPUTE_ENTITIES, migrations: COMPUTE_MIGRATIONS }, (line) => console.log(line));
    });
  await program.parseAsync(argv);
}

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`kumo-manage: ${(err as Error).message}\n`);
  process.exit(1);
});
