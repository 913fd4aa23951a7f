import { join } from 'node:path';
import { createLogger, enableBodyBufferReclaim, tuneHeapForStreaming } from '@kumo/common';
import { startServiceAuth } from '@kumo/auth';
import { loadObjectConfig } from './config';
import { ProxyServer } from './proxy/proxy.server';
import { Ring } from './ring/ring';

/** The object proxy: Swift's v1 API on :8080. */
async function main(): Promise<void> {
  tuneHeapForStreaming();
  enableBodyBufferReclaim();
  const config = loadObjectConfig();
  const o = config.object;
  const logger = createLogger('object-proxy', config.logging.level);
  if (!o.service_password) throw new Error('object.service_password is not set: the proxy validates tokens as the identity service user');
  const hp = { prefix: o.hash_path_prefix, suffix: o.hash_path_suffix };
  const ring = (name: string) => new Ring(join(o.ring_dir, `${name}.ring.gz`), hp);
  const auth = startServiceAuth({
    service: 'object-proxy',
    credentials: { auth_url: o.auth_url, username: o.service_user, password: o.service_password },
    messaging: config.messaging,
    logger,
  });
  const proxy = new ProxyServer({ accountRing: ring('account'), containerRing: ring('container'), objectRing: ring('object'), validator: auth.validator, logger, identityUri: o.identity_public_url });
  await proxy.listen(o.proxy_port, o.bind_host);
  logger.info({ port: o.proxy_port }, 'object proxy listening');
  const stop = async () => {
    await proxy.close();
    await auth.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`object-proxy: failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
