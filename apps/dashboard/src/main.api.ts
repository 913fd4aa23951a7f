import 'reflect-metadata';
import { MessagingClient } from '@kumo/messaging';
import { runService } from '@kumo/service';
import { createDashboardApp } from './app';
import { loadDashboardConfig } from './config';

/** The dashboard process (:8000): the built app, sessions, the APIs' proxy, bus events as SSE. */
void runService({
  name: 'dashboard',
  config: () => loadDashboardConfig(),
  async start({ config, logger, listen, onShutdown }) {
    const c = config.dashboard;
    const bus = new MessagingClient({
      url: config.messaging.url,
      exchangePrefix: config.messaging.exchange_prefix,
      logger,
      connectionName: `kumo dashboard ${process.pid}`,
    });
    // after the event hub's consumer (stage bus) is closed
    onShutdown(() => bus.close(), 'data');
    const dashboard = await createDashboardApp({ config: c, bus, logger });
    onShutdown(() => dashboard.close(), 'bus');
    await listen(dashboard.app, c.port, c.bind_host);
    logger.info({ url: `http://127.0.0.1:${c.port}/`, web_root: c.web_root }, 'dashboard ready');
  },
});
