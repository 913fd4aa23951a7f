import { runService } from '@kumo/service';
import { loadObjectConfig } from './config';
import { startDaemonLoops, storageDaemons } from './storage/daemons';
import { StorageNode } from './storage/storage.server';

/**
 * A storage node: account, container and object servers (ports from config; KUMO_OBJECT_* per node),
 * with its replicator, updater, expirer and auditor running in the background.
 */
void runService({
  name: 'object-storage',
  streaming: true,
  config: () => loadObjectConfig(),
  async start({ config, logger, serve }) {
    const o = config.object;
    const node = new StorageNode({
      devicesRoot: o.devices,
      hashPath: { prefix: o.hash_path_prefix, suffix: o.hash_path_suffix },
      bindHost: o.storage_bind_host,
      objectPort: o.object_port,
      containerPort: o.container_port,
      accountPort: o.account_port,
      logger,
      verifyOnReadMaxBytes: o.verify_on_read_max_bytes,
      maxOpenDatabases: o.max_open_databases,
    });
    await node.start();
    const stopDaemons = startDaemonLoops(
      storageDaemons(config, node.objects, logger, (kind, path) => node.dbAt(kind, path)),
      { replicator: o.replication_interval, updater: o.updater_interval, expirer: o.expirer_interval, auditor: o.audit_interval },
      logger,
    );
    serve({ close: () => (stopDaemons(), node.stop()) });
    logger.info({ ports: [o.object_port, o.container_port, o.account_port], devices: o.devices }, 'storage node listening');
  },
});
