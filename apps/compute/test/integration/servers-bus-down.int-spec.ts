// POST /servers while the message bus is down: Nova answers 500; Kumo answers 503 with Nova's fault
// body and creates nothing (no row, no quota used), and a create whose scheduling request the
// broker never confirms ends in ERROR with a fault saying so (never stuck in BUILD). The API on real
// MariaDB, the bus in memory with its connection state and its casts under the test's control.
import { InMemoryMessaging, RpcInterrupted, type Messaging } from '@kumo/messaging';
import { startComputeApp, TestComputeApp } from '../support/app';
import { MemoryImages } from '../support/images';

/** An in-memory bus whose `connected` and scheduler casts the test decides. */
function controlledBus(): { bus: Messaging; set(o: { up?: boolean; castFails?: boolean }): void } {
  const inner = new InMemoryMessaging();
  let up = true;
  let castFails = false;
  const bus = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'connected') return up;
      if (prop === 'rpc') {
        return (contract: Parameters<Messaging['rpc']>[0], opts?: Parameters<Messaging['rpc']>[1]) => {
          const c = target.rpc(contract, opts);
          return { call: c.call, cast: (...a: Parameters<typeof c.cast>) => (castFails ? Promise.reject(new RpcInterrupted('Could not publish compute.scheduler: not confirmed by the broker within 15000 ms (the broker is unreachable)')) : c.cast(...a)) };
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  }) as Messaging;
  return { bus, set: (o) => ((up = o.up ?? up), (castFails = o.castFails ?? castFails)) };
}

describe('POST /servers and the message bus', () => {
  let t: TestComputeApp;
  const images = new MemoryImages();
  const ctl = controlledBus();
  let imageId: string;
  let flavor: string;

  beforeAll(async () => {
    t = await startComputeApp({}, { bus: ctl.bus, images });
    imageId = images.add().id;
    flavor = (await t.json('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'busdown', ram: 256, vcpus: 1, disk: 1 } })).body.flavor.id;
  });
  afterAll(async () => {
    await t.close();
  });

  const rows = async (name: string) => (await t.db.dataSource.query('SELECT uuid, vm_state, task_state FROM instance WHERE name = ?', [name])) as Array<{ uuid: string; vm_state: string; task_state: string | null }>;
  const used = async () => (await t.json('demo', 'GET', '/v2.1/limits')).body.limits.absolute.totalInstancesUsed as number;

  it('answers 503 serviceUnavailable and creates nothing while the bus is down', async () => {
    const before = await used();
    ctl.set({ up: false });
    const r = await t.json('demo', 'POST', '/v2.1/servers', { server: { name: 'bus-down', imageRef: imageId, flavorRef: flavor } });
    ctl.set({ up: true });
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ serviceUnavailable: { code: 503, message: expect.stringContaining('message bus (RabbitMQ) is unreachable. No server was created') } });
    expect(await rows('bus-down')).toEqual([]);
    expect(await used()).toBe(before);
    const ok = await t.json('demo', 'POST', '/v2.1/servers', { server: { name: 'bus-up', imageRef: imageId, flavorRef: flavor } });
    expect(ok.status).toBe(202);
    expect(await rows('bus-up')).toMatchObject([{ vm_state: 'building', task_state: 'scheduling' }]);
  });

  it('puts the servers in ERROR with a fault when the broker does not take the scheduling request', async () => {
    ctl.set({ castFails: true });
    const r = await t.json('demo', 'POST', '/v2.1/servers', { server: { name: 'bus-lost', imageRef: imageId, flavorRef: flavor } });
    ctl.set({ castFails: false });
    expect(r.status).toBe(202);
    const s = (await t.json('demo', 'GET', `/v2.1/servers/${r.body.server.id}`)).body.server;
    expect(s.status).toBe('ERROR');
    expect(s.fault).toMatchObject({ code: 500, message: expect.stringMatching(/^Build request could not reach the scheduler: Could not publish compute.scheduler: not confirmed by the broker/) });
  });
});
