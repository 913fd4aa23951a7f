#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { syncDatabase } from '@kumo/db';
import { IMAGE_DATABASE, loadImageConfig } from './config';
import { IMAGE_ENTITIES } from './db/entities';
import { IMAGE_MIGRATIONS } from './db/migrations';

/** `kumo-manage db sync image`: the image service's database. */
async function main(argv: string[]): Promise<void> {
  const program = new Command('kumo-manage').description('Kumo image management').showHelpAfterError();
  program
    .command('db')
    .command('sync')
    .argument('[service]', 'service whose database to migrate', 'image')
    .description('create the database if missing and apply pending migrations')
    .action(async (service: string) => {
      if (service !== 'image') throw new Error(`this is image's manage command; unknown service ${service}`);
      const config = loadImageConfig();
      await syncDatabase({ url: config.database.url, database: IMAGE_DATABASE, entities: IMAGE_ENTITIES, migrations: IMAGE_MIGRATIONS }, (line) => console.log(line));
    });
  await program.parseAsync(argv);
}

main(process.argv).catch((err: unknown) => {
  process.stderr.write(`kumo-manage: ${(err as Error).message}\n`);
  process.exit(1);
});
