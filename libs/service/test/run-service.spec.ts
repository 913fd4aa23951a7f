import { createLogger } from '@kumo/common';
import type { RevocationBus } from '@kumo/auth';
import { runService, ServiceConfig, ServiceRuntime, serviceUserOf, startFailureLine } from '../src/run-service';

/** A process whose signals the test sends and whose exits and stderr it records. */
class FakeRuntime implements ServiceRuntime {
  readonly handlers = new Map<string, Array<() => void>>();
  readonly exits: number[] = [];
  readonly lines: string[] = [];
  readonly logger = createLogger('test', 'fatal');
  createDataSource?: ServiceRuntime['createDataSource'];
  createSqlPool?: ServiceRuntime['createSqlPool'];
  stderr = { write: (line: string) => this.lines.push(line) };
  once(signal: string, handler: () => void): void {
    this.handlers.set(signal, [...(this.handlers.get(signal) ?? []), handler]);
  }
  exit(code: number): void {
    this.exits.push(code);
  }
  signal(name: string): void {
    const hs = this.handlers.get(name) ?? [];
    this.handlers.set(name, []);
    for (const h of hs) h();
  }
}

const config: ServiceConfig = {
  logging: { level: 'fatal' },
  database: { url: 'mysql://u@127.0.0.1:1', pool_size: 3 },
  messaging: { url: 'amqp://127.0.0.1:1', exchange_prefix: 'test' },
};
const tick = () => new Promise((r) => setTimeout(r, 10));

describe('runService', () => {
  it('on SIGTERM closes the server, then the bus, then the data source, and exits 0', async () => {
    const rt = new FakeRuntime();
    const order: string[] = [];
    let releaseServer!: () => void;
    const bus: RevocationBus = {
      subscribe: async () => ({ close: async () => void order.push('bus') }),
      close: async () => undefined,
    };
    const dsOpts: unknown[] = [];
    rt.createDataSource = (opts) => {
      dsOpts.push(opts);
      return {
        initialize: async () => void order.push('db open'),
        destroy: async () => void order.push('data source'),
      };
    };
    await runService(
      {
        name: 'svc',
        config: () => config,
        async start(kit) {
          // opened in the order a service opens them; closed in the shutdown stages' order
          await kit.database({ database: 'kumo_svc', entities: [] });
          await kit.serviceAuth({ auth_url: 'http://127.0.0.1:1', username: 'kumo', password: 'pw', passwordKey: 'svc.service_password' }, { bus });
          kit.onShutdown(() => void order.push('other bus'));
          kit.serve({
            close: () =>
              new Promise<void>((r) => {
                order.push('server closing');
                releaseServer = () => {
                  order.push('server closed');
                  r();
                };
              }),
          });
        },
      },
      rt,
    );
    expect(dsOpts).toEqual([{ database: 'kumo_svc', entities: [], url: config.database!.url, poolSize: 3 }]);
    expect(rt.exits).toEqual([]);
    rt.signal('SIGTERM');
    await tick();
    // nothing else closes while the server drains
    expect(order).toEqual(['db open', 'server closing']);
    releaseServer();
    await tick();
    expect(order).toEqual(['db open', 'server closing', 'server closed', 'bus', 'other bus', 'data source']);
    expect(rt.exits).toEqual([0]);
  });

  it('opens a plain SQL pool (no TypeORM) checked with SELECT 1, closed with the data at shutdown', async () => {
    const rt = new FakeRuntime();
    const seen: unknown[] = [];
    rt.createSqlPool = (opts) => {
      seen.push(opts);
      return { query: async (sql) => void seen.push(sql), close: async () => void seen.push('closed') };
    };
    await runService({ name: 'svc', config: () => config, start: async (kit) => void (await kit.sql({ database: 'kumo_svc', poolSize: 2 })) }, rt);
    expect(seen).toEqual([{ database: 'kumo_svc', url: config.database!.url, poolSize: 2 }, 'SELECT 1']);
    rt.signal('SIGTERM');
    await tick();
    expect(seen.at(-1)).toBe('closed');
    expect(rt.exits).toEqual([0]);

    // a database that does not answer is a start-up failure, as the data source's
    const rt2 = new FakeRuntime();
    rt2.createSqlPool = () => ({ query: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), close: async () => undefined });
    await runService({ name: 'compute-console', config: () => config, start: async (kit) => void (await kit.sql({ database: 'kumo_compute' })) }, rt2);
    expect(rt2.lines).toEqual(['compute-console: failed to start: ECONNREFUSED connect ECONNREFUSED\n']);
    expect(rt2.exits).toEqual([1]);
  });

  it('exits 1 at once on a second signal while the first shutdown waits', async () => {
    const rt = new FakeRuntime();
    await runService({ name: 'svc', config: () => config, start: async (kit) => kit.serve({ close: () => new Promise<void>(() => undefined) }) }, rt);
    rt.signal('SIGINT');
    await tick();
    expect(rt.exits).toEqual([]);
    rt.signal('SIGTERM');
    expect(rt.exits).toEqual([1]);
  });

  it('exits 1 after a shutdown in which a close failed, having closed the rest', async () => {
    const rt = new FakeRuntime();
    const closed: string[] = [];
    await runService(
      {
        name: 'svc',
        config: () => config,
        async start(kit) {
          kit.serve({ close: () => Promise.reject(new Error('boom')) });
          kit.onShutdown(() => void closed.push('data'), 'data');
        },
      },
      rt,
    );
    rt.signal('SIGINT');
    await tick();
    expect(closed).toEqual(['data']);
    expect(rt.exits).toEqual([1]);
  });

  it('reports a start-up failure as one line on stderr and exits 1', async () => {
    const rt = new FakeRuntime();
    await runService(
      {
        name: 'image',
        config: () => config,
        // a section with libs/common's serviceUserKeys and no password set
        start: async (kit) => void (await kit.serviceAuth(serviceUserOf({ auth_url: 'http://x', service_user: 'kumo', identity_public_url: 'http://x' }, 'image'))),
      },
      rt,
    );
    expect(rt.lines).toEqual(['image: failed to start: image.service_password is not set: the image service validates tokens as the identity service user\n']);
    expect(rt.exits).toEqual([1]);

    const rt2 = new FakeRuntime();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    await runService({ name: 'identity', config: () => config, start: () => Promise.reject(refused) }, rt2);
    expect(rt2.lines).toEqual(['identity: failed to start: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:3306\n']);
    expect(rt2.exits).toEqual([1]);
  });

  it('formats what was thrown even when it is not an Error', () => {
    expect(startFailureLine('object-proxy', 'no ring')).toBe('object-proxy: failed to start: no ring\n');
  });
});
