import { createLogger } from '@kumo/common';
import { loadObjectConfig } from './config';
import { StorageNode } from './storage/storage.server';

/** A storage node: account, container and object servers (ports from config; KUMO_OBJECT_* per node). */
async function main(): Promise<void> {
  const config = loadObjectConfig();
  const o = config.object;
  const logger = createLogger('object-storage', config.logging.level);
  const node = new StorageNode({
    devicesRoot: o.devices,
    hashPath: { prefix: o.hash_path_prefix, suffix: o.hash_path_suffix },
    bindHost: o.storage_bind_host,
    objectPort: o.object_port,
    containerPort: o.container_port,
    accountPort: o.account_port,
    logger,
  });
  await node.start();
  logger.info({ ports: [o.object_port, o.container_port, o.account_port], devices: o.devices }, 'storage node listening');
  const stop = async () => {
    await node.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`object-storage: failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
