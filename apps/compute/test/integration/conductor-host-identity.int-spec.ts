// The conductor knows which host speaks (the `callerHost` each agent's client puts in the RPC
// context) and refuses another host's instances and reports: API, scheduler and conductor on real
// MariaDB, fake agents on the in-memory bus.
import { computeConductor } from '../../src/rpc';
import { CallerHostMissing, InstanceNotOnHost } from '../../src/rpc/host-identity';
import { schedulerSection } from '../../src/scheduler/scheduler-config';
import { ComputeStack, hostReport, startComputeStack } from '../support/compute-stack';

describe('conductor: an agent acts for its own host only', () => {
  let s: ComputeStack;
  let id: string;

  beforeAll(async () => {
    s = await startComputeStack({ scheduler: { ...schedulerSection.parse({}), build_timeout: 600 } });
    const imageId = s.images.add().id;
    const flavor = (await s.t.json('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'ident', ram: 256, vcpus: 1, disk: 1 } })).body.flavor.id;
    const a = await s.agent('node-a');
    a.hold = true; // the build stays in spawning on node-a
    const r = await s.t.json('demo', 'POST', '/v2.1/servers', { server: { name: 'ident', imageRef: imageId, flavorRef: flavor } });
    if (r.status !== 202) throw new Error(`create answered ${r.status}: ${JSON.stringify(r.body)}`);
    id = r.body.server.id;
    await s.waitFor('admin', id, (v) => v?.['OS-EXT-STS:task_state'] === 'spawning' && v?.['OS-EXT-SRV-ATTR:host'] === 'node-a');
  });
  afterAll(async () => {
    await s.close();
  });

  const row = async () => ((await s.t.db.dataSource.query('SELECT vm_state, task_state, host FROM instance WHERE uuid = ?', [id])) as Array<{ vm_state: string; task_state: string | null; host: string }>)[0];

  it("refuses another host's agent changing, reading or adding events to the instance, with InstanceNotOnHost", async () => {
    const rogue = s.client().rpc(computeConductor, { callerHost: 'node-b' });
    const ctx = { requestId: 'req-rogue-update' };
    await expect(rogue.call(ctx, 'instanceUpdate', { instanceId: id, change: { vmState: 'active', taskState: null, powerState: 1 } })).rejects.toBeInstanceOf(InstanceNotOnHost);
    await expect(rogue.call(ctx, 'instanceUpdate', { instanceId: id, change: { vmState: 'active', taskState: null, powerState: 1 } })).rejects.toThrow(`instance ${id} is not on host node-b (it is on node-a)`);
    await expect(rogue.call(ctx, 'instanceState', { instanceId: id })).rejects.toBeInstanceOf(InstanceNotOnHost);
    // nor may it take the instance over by naming itself its host
    await expect(rogue.call(ctx, 'instanceUpdate', { instanceId: id, change: { host: 'node-b' } })).rejects.toBeInstanceOf(InstanceNotOnHost);
    expect(await row()).toEqual({ vm_state: 'building', task_state: 'spawning', host: 'node-a' });
  });

  it('refuses a message with no caller host (CallerHostMissing), and one naming node-a from node-b', async () => {
    const anonymous = s.client().rpc(computeConductor);
    await expect(anonymous.call({ requestId: 'req-anon' }, 'instanceUpdate', { instanceId: id, change: { vmState: 'error', taskState: null } })).rejects.toBeInstanceOf(CallerHostMissing);
    // a client that claims node-a through the context it forwards gets no further: the client's own callerHost is sent
    const forwarding = s.client().rpc(computeConductor);
    await expect(forwarding.call({ requestId: 'req-fwd', callerHost: 'node-a' } as never, 'instanceState', { instanceId: id })).rejects.toBeInstanceOf(CallerHostMissing);
    expect((await row()).vm_state).toBe('building');
  });

  it("does not apply node-b's report for node-a, nor events for node-a's instance", async () => {
    const rogue = s.client().rpc(computeConductor, { callerHost: 'node-b' });
    await rogue.cast(undefined, 'reportHost', hostReport('node-a', { vcpus: 99 }));
    await rogue.cast(undefined, 'actionEvent', { instanceId: id, requestId: 'req-rogue-event', event: 'compute_rogue', phase: 'start', at: new Date().toISOString() });
    // a legitimate cast after them: once it is applied, the rogue ones were handled (one conductor, in order)
    const own = s.client().rpc(computeConductor, { callerHost: 'node-a' });
    await own.cast(undefined, 'actionEvent', { instanceId: id, requestId: 'req-own-event', event: 'compute_own', phase: 'start', at: new Date().toISOString() });
    const events = async () => ((await s.t.db.dataSource.query('SELECT e.event FROM instance_action_event e')) as Array<{ event: string }>).map((e) => e.event);
    for (let i = 0; i < 250 && !(await events()).includes('compute_own'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await events()).toContain('compute_own');
    expect(await events()).not.toContain('compute_rogue');
    const node = ((await s.t.db.dataSource.query("SELECT vcpus FROM compute_node WHERE host = 'node-a'")) as Array<{ vcpus: number }>)[0];
    expect(node.vcpus).toBe(8);
  });

  it("lets node-a's own agent finish the build", async () => {
    const own = s.client().rpc(computeConductor, { callerHost: 'node-a' });
    const r = await own.call({ requestId: 'req-own' }, 'instanceUpdate', { instanceId: id, expectTaskState: ['spawning'], change: { vmState: 'active', taskState: null, powerState: 1 } });
    expect(r).toEqual({ applied: true, found: { vmState: 'active', taskState: null, deleted: false } });
  });
});
