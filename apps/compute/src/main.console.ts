import { runService } from '@kumo/service';
import { MessagingClient } from '@kumo/messaging';
import { ConsoleProxy } from './console/console-proxy';
import { loadConsoleProxyConfig } from './console/console.config';
import { COMPUTE_DATABASE } from './config';
import { SqlConsoleTokens } from './db/repositories/console-token-consume';

/**
 * The serial console proxy (Nova's nova-serialproxy, :6083): websockets with a one-time token from
 * the compute API, bridged to the guest's console on its host's libvirtd (docs/compute.md). It
 * reads and consumes tokens in the compute database and asks agents over the bus. It loads neither
 * NestJS nor TypeORM (a plain mysql2 pool for its two statements: docs/operations.md).
 */
void runService({
  name: 'compute-console',
  config: () => loadConsoleProxyConfig(),
  async start({ config, logger, sql, serve, onShutdown }) {
    const s = config.compute_console;
    const pool = await sql({ database: COMPUTE_DATABASE, poolSize: 4 });
    const bus = new MessagingClient({
      url: config.messaging.url,
      exchangePrefix: config.messaging.exchange_prefix,
      rpcTimeoutMs: config.messaging.rpc_timeout_ms,
      logger,
      connectionName: 'kumo compute-console',
    });
    onShutdown(() => bus.close(), 'bus');
    const proxy = new ConsoleProxy({
      tokens: new SqlConsoleTokens(pool.query),
      bus,
      logger,
      settings: s,
    });
    const port = await proxy.listen(s.proxy_port, s.proxy_host);
    serve(proxy);
    logger.info({ port, host: s.proxy_host, baseUrl: s.base_url }, 'serial console proxy listening');
  },
});
