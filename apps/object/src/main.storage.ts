import { createLogger, enableBodyBufferReclaim, tuneHeapForStreaming } from '@kumo/common';
import { loadObjectConfig } from './config';
import { startDaemonLoops, storageDaemons } from './storage/daemons';
import { StorageNode } from './storage/storage.server';

/**
 * A storage node: account, container and object servers (ports from config; KUMO_OBJECT_* per node),
 * with its replicator, updater, expirer and auditor running in the background.
 */
async function main(): Promise<void> {
  tuneHeapForStreaming();
  enableBodyBufferReclaim();
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
    verifyOnReadMaxBytes: o.verify_on_read_max_bytes,
  });
  await node.start();
  const stopDaemons = startDaemonLoops(
    storageDaemons(config, node.objects, logger, (kind, path) => node.dbAt(kind, path)),
    { replicator: o.replication_interval, updater: o.updater_interval, expirer: o.expirer_interval, auditor: o.audit_interval },
    logger,
  );
  logger.info({ ports: [o.object_port, o.container_port, o.account_port], devices: o.devices }, 'storage node listening');
  const stop = async () => {
    stopDaemons();
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
