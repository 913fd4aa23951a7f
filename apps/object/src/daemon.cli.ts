#!/usr/bin/env node
import { createLogger, lineDestination } from '@kumo/common/core';
import { loadObjectConfig } from './config';
import { ObjectServer } from './storage/object-server';
import { DAEMON_NAMES, DaemonName, storageDaemons } from './storage/daemons';

/**
 * `kumo-object-daemon <replicator|updater|expirer|auditor>... --once`: one pass of a storage node's
 * background work over its devices (the node's config: KUMO_OBJECT_OBJECT_PORT, KUMO_OBJECT_DEVICES, ...),
 * printing each pass's figures as JSON on standard output, one line per pass (log lines go to standard
 * error). The storage node runs the same passes in a loop by itself.
 */
async function main(argv: string[]): Promise<number> {
  const names = argv.filter((a) => !a.startsWith('-'));
  if (argv.includes('--help') || names.length === 0 || !argv.includes('--once')) {
    process.stdout.write(`usage: kumo-object-daemon <${DAEMON_NAMES.join('|')}>... --once\n`);
    return argv.includes('--help') ? 0 : 2;
  }
  const unknown = names.filter((n) => !(DAEMON_NAMES as readonly string[]).includes(n));
  if (unknown.length) {
    process.stderr.write(`kumo-object-daemon: unknown daemon ${unknown.join(', ')} (one of ${DAEMON_NAMES.join(', ')})\n`);
    return 2;
  }
  const config = loadObjectConfig();
  // log lines on standard error, as they happen: standard output carries only each pass's figures
  const logger = createLogger('object-daemon', config.logging.level, lineDestination(2));
  const o = config.object;
  const objects = new ObjectServer({ devicesRoot: o.devices, hashPath: { prefix: o.hash_path_prefix, suffix: o.hash_path_suffix }, logger, persistInvalidations: true });
  const daemons = storageDaemons(config, objects, logger);
  for (const name of names as DaemonName[]) {
    const stats = await daemons[name]();
    process.stdout.write(`${JSON.stringify({ daemon: name, ...(stats as object) })}\n`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`kumo-object-daemon: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
