import { ComputeStack, startComputeStack } from '../support/compute-stack';

/** The boot sequence over the real RabbitMQ (API → scheduler → agent → conductor), with its notifications. */
describe('servers over RabbitMQ', () => {
  let s: ComputeStack;
  const events: Array<{ type: string; status: string }> = [];

  beforeAll(async () => {
    s = await startComputeStack({}, { rabbit: true });
    await s.client().subscribe('compute.instance.#', (type, payload) => void events.push({ type, status: (payload.server as { status: string }).status }));
    await s.agent('rabbit-1');
  }, 30_000);
  afterAll(async () => {
    await s?.close();
  });

  it('create → ACTIVE → delete → 404, each state change a compute.instance.* notification with the server view', async () => {
    const image = s.images.add();
    const f = await s.t.json('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'r1', ram: 128, vcpus: 1, disk: 1 } });
    const r = await s.t.json('demo', 'POST', '/v2.1/servers', { server: { name: 'rabbit-vm', imageRef: image.id, flavorRef: f.body.flavor.id } });
    expect(r.status).toBe(202);
    const id = r.body.server.id as string;
    const active = await s.waitFor('demo', id, (v) => v?.status === 'ACTIVE');
    expect(active['OS-EXT-STS:task_state']).toBeNull();
    expect((await s.t.json('demo', 'DELETE', `/v2.1/servers/${id}`)).status).toBe(204);
    await s.waitFor('demo', id, (v) => v === undefined);
    for (let i = 0; i < 100 && !events.some((e) => e.type === 'compute.instance.delete.end'); i++) await new Promise((res) => setTimeout(res, 20));
    // two processes notify (API and conductor): each action's start comes before its end, not across actions
    const seen = events.map((e) => `${e.type}:${e.status}`);
    expect([...seen].sort()).toEqual(['compute.instance.create.end:ACTIVE', 'compute.instance.create.start:BUILD', 'compute.instance.create.start:BUILD', 'compute.instance.delete.end:DELETED', 'compute.instance.delete.start:ACTIVE']);
    expect(seen.indexOf('compute.instance.create.start:BUILD')).toBeLessThan(seen.indexOf('compute.instance.create.end:ACTIVE'));
    expect(seen.indexOf('compute.instance.delete.start:ACTIVE')).toBeLessThan(seen.indexOf('compute.instance.delete.end:DELETED'));
  }, 30_000);
});
