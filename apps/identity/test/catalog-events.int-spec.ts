import { createLogger } from '@kumo/common';
import { InMemoryBroker } from '@kumo/messaging';
import { connectBus } from '../src/bus';
import { createStandaloneIdentity } from '../src/identity.standalone';
import { BootstrapService } from '../src/services/bootstrap.service';
import {
  CATALOG_CHANGED_EVENT,
  CATALOG_FALLBACK_REFRESH_MS,
  CatalogService,
} from '../src/services/catalog.service';
import { ADMIN_PASSWORD, IdentityTestApp, startIdentity } from './helpers/app';

/**
 * Two identity processes on one database and one bus (libs/messaging's in-memory broker, as
 * RabbitMQ in production), and kumo-manage beside them: a catalog write in one is in the next
 * token of the other at once, through `identity.catalog.changed`, while unchanged catalogs are
 * not rebuilt from the database (the old 5 s poll is only the fallback while no event can arrive).
 */
describe('catalog changes reach every identity process through the bus', () => {
  const broker = new InMemoryBroker();
  let a: IdentityTestApp;
  let b: IdentityTestApp;
  beforeAll(async () => {
    a = await startIdentity({}, { messaging: broker.client() });
    b = await startIdentity({}, { messaging: broker.client(), database: a.db });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  /** The service types in a fresh admin token of `app`, and how many catalog builds that took. */
  async function catalogOf(app: IdentityTestApp): Promise<string[]> {
    const res = await app.inject('POST', '/v3/auth/tokens', {
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'admin', domain: { id: 'default' }, password: ADMIN_PASSWORD } },
          },
          scope: { project: { name: 'admin', domain: { id: 'default' } } },
        },
      },
    });
    expect(res.status).toBe(201);
    return (res.json.token.catalog as Array<{ type: string }>).map((s) => s.type).sort();
  }
  const builds = (app: IdentityTestApp) => app.app.get(CatalogService).builds;

  it('follows the bus: the long fallback refresh applies, and an unchanged catalog is built once', async () => {
    expect(b.app.get(CatalogService).refreshMs).toBe(CATALOG_FALLBACK_REFRESH_MS);
    await catalogOf(b);
    const before = builds(b);
    for (let i = 0; i < 3; i++) expect(await catalogOf(b)).toEqual(['identity']);
    expect(builds(b)).toBe(before);
  });

  it("shows a service created through one process's API in the other's next token", async () => {
    const token = await a.adminToken();
    const published = () => a.events.filter((e) => e.eventType === CATALOG_CHANGED_EVENT).length;
    const before = published();
    const svc = await a.inject('POST', '/v3/services', {
      token,
      body: { service: { type: 'volumev3', name: 'cinderv3' } },
    });
    expect(svc.status).toBe(201);
    await catalogOf(b);
    const ep = await a.inject('POST', '/v3/endpoints', {
      token,
      body: {
        endpoint: {
          service_id: svc.json.service.id,
          interface: 'public',
          url: 'http://127.0.0.1:8776/v3/%(project_id)s',
        },
      },
    });
    expect(ep.status).toBe(201);
    expect(published() - before).toBe(2);
    await new Promise((r) => setImmediate(r)); // the in-memory broker delivers on the next turn, as RabbitMQ within a millisecond or so
    expect(await catalogOf(b)).toEqual(['identity', 'volumev3']);
    const del = await a.inject('DELETE', `/v3/services/${svc.json.service.id}`, { token });
    expect(del.status).toBe(204);
    await new Promise((r) => setImmediate(r));
    expect(await catalogOf(b)).toEqual(['identity']);
  });

  it("ignores its own events (its catalog is already rebuilt) but acts on kumo-manage's", async () => {
    await catalogOf(a);
    const before = builds(a);
    const ownEvent = a.events.find((e) => e.eventType === CATALOG_CHANGED_EVENT)!;
    expect(a.app.get(CatalogService).onChangeEvent(ownEvent.payload)).toBe(false);
    await catalogOf(a);
    expect(builds(a)).toBe(before);

    const bus = await connectBus(a.config, createLogger('kumo-manage', 'silent'), broker.client());
    const manage = await createStandaloneIdentity(a.config, a.db.dataSource, bus.publisher);
    try {
      await manage.get(BootstrapService).register({ type: 'image', url: 'http://127.0.0.1:9292' });
      await expect(bus.settle(1_000)).resolves.toBe(true);
    } finally {
      await manage.close();
      await bus.close();
    }
    await new Promise((r) => setImmediate(r));
    expect([await catalogOf(a), await catalogOf(b)]).toEqual([
      ['identity', 'image'],
      ['identity', 'image'],
    ]);
  });
});
