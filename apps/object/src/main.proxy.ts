import { join } from 'node:path';
import { runService, serviceUserOf } from '@kumo/service';
import { loadObjectConfig } from './config';
import { ProxyServer } from './proxy/proxy.server';
import { Ring } from './ring/ring';

/** The object proxy: Swift's v1 API on :8080. */
void runService({
  name: 'object-proxy',
  streaming: true,
  config: () => loadObjectConfig(),
  async start({ config, logger, serviceAuth, serve }) {
    const o = config.object;
    const hp = { prefix: o.hash_path_prefix, suffix: o.hash_path_suffix };
    const ring = (name: string) => new Ring(join(o.ring_dir, `${name}.ring.gz`), hp);
    const auth = await serviceAuth(serviceUserOf(o, 'object'));
    const proxy = new ProxyServer({ accountRing: ring('account'), containerRing: ring('container'), objectRing: ring('object'), validator: auth.validator, logger, identityUri: o.identity_public_url });
    await proxy.listen(o.proxy_port, o.bind_host);
    serve(proxy);
    logger.info({ port: o.proxy_port }, 'object proxy listening');
  },
});
