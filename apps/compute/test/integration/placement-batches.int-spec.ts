import { ComputeNodeRepository, PlacementClaim } from '../../src/db/repositories/compute-node.repository';
import { createLogger } from '@kumo/common';
import { InstanceActionRepository } from '../../src/db/repositories/instance-action.repository';
import { InstanceRepository } from '../../src/db/repositories/instance.repository';
import { computeAgent } from '../../src/rpc';
import { Scheduler } from '../../src/scheduler/scheduler';
import { ServerNotifier } from '../../src/services/server-notifier';
import { ComputeLinks } from '../../src/views/links';
import { schedulerSection } from '../../src/scheduler/scheduler-config';
import { ComputeStack, hostReport, startComputeStack } from '../support/compute-stack';

/**
 * The scheduler's batches against real MariaDB: claims of many instances in one transaction,
 * raced by concurrent batches (as several scheduler processes would), and the conductor's batched
 * action events.
 */
describe('batched placements and action events', () => {
  let s: ComputeStack;
  let imageId: string;
  let flavor: string;
  const ratios = { cpu: 16, ram: 1, disk: 1 };

  beforeAll(async () => {
    s = await startComputeStack({ scheduler: { ...schedulerSection.parse({}), ram_allocation_ratio: 1 } });
    imageId = s.images.add().id;
    flavor = (await s.t.json('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'gig', ram: 1024, vcpus: 1, disk: 1 } })).body.flavor.id;
    await s.t.json('admin', 'PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { instances: -1, cores: -1, ram: -1 } });
    // the instances wait in the database: only the tests' own claims place them
    await s.scheduler.stop();
  });
  afterAll(async () => {
    await s.close();
  });

  /** `n` servers in BUILD/scheduling (one create of min_count = max_count = n); their uuids. */
  async function waitingServers(name: string, n: number): Promise<string[]> {
    const r = await s.t.json('demo', 'POST', '/v2.1/servers', { server: { name, imageRef: imageId, flavorRef: flavor, min_count: n, max_count: n } });
    expect(r.status).toBe(202);
    const rows = (await s.t.db.dataSource.query('SELECT uuid FROM instance WHERE name LIKE ? AND deleted = 0 ORDER BY id', [n === 1 ? name : `${name}-%`])) as Array<{ uuid: string }>;
    expect(rows).toHaveLength(n);
    return rows.map((x) => x.uuid);
  }

  const claim = (uuid: string, host: string): PlacementClaim => ({ instanceUuid: uuid, host, node: `${host}.lab`, availabilityZone: 'nova', amount: { vcpus: 1, memoryMb: 1024, diskGb: 1 } });

  it('6 batches racing for one host of 4 GiB: exactly 4 of 30 claims are taken, the rest refused, the host never over its capacity', async () => {
    const ds = s.t.db.dataSource;
    const nodes = new ComputeNodeRepository(ds);
    await nodes.applyReport(hostReport('race-1', { memoryMb: 4096, vcpus: 64, localGb: 500 }), new Date());
    const ids = await waitingServers('race', 30);
    const batches = [0, 1, 2, 3, 4, 5].map((b) => ids.slice(b * 5, b * 5 + 5).map((id) => claim(id, 'race-1')));
    const aliveSince = new Date(Date.now() - 60_000);
    const outs = await Promise.all(batches.map((b) => new ComputeNodeRepository(ds).claimForInstances(b, ratios, 0, aliveSince, new Date())));
    const placed = outs.flatMap((o) => o.placed.map((c) => c.instanceUuid));
    expect(placed).toHaveLength(4);
    expect(outs.flatMap((o) => o.lost)).toHaveLength(26);
    expect(outs.flatMap((o) => o.gone)).toHaveLength(0);
    const [node] = (await ds.query("SELECT memory_mb_used, vcpus_used, local_gb_used FROM compute_node WHERE host = 'race-1'")) as Array<Record<string, number>>;
    expect(node).toEqual({ memory_mb_used: 4096, vcpus_used: 4, local_gb_used: 4 });
    const rows = (await ds.query("SELECT uuid, host, node, claimed FROM instance WHERE name LIKE 'race-%' AND host IS NOT NULL")) as Array<{ uuid: string; host: string; node: string; claimed: number }>;
    expect(rows.map((r) => r.uuid).sort()).toEqual([...placed].sort());
    expect(rows.every((r) => r.host === 'race-1' && r.node === 'race-1.lab' && r.claimed === 1)).toBe(true);
    // a claim for an instance that already has its host is not taken again
    const again = await nodes.claimForInstances([claim(placed[0], 'race-1')], ratios, 0, aliveSince, new Date());
    expect(again.gone.map((c) => c.instanceUuid)).toEqual([placed[0]]);
  }, 30_000);

  it('a batch over several hosts: each takes what fits in the order given; an instance deleted meanwhile and a host gone down get nothing', async () => {
    const ds = s.t.db.dataSource;
    const nodes = new ComputeNodeRepository(ds);
    for (const host of ['multi-1', 'multi-2', 'multi-down']) await nodes.applyReport(hostReport(host, { memoryMb: 2048, vcpus: 64, localGb: 500 }), new Date());
    await ds.query("UPDATE compute_service SET last_seen_up = NOW(6) - INTERVAL 300 SECOND WHERE host = 'multi-down'");
    const ids = await waitingServers('multi', 6);
    expect((await s.t.json('demo', 'DELETE', `/v2.1/servers/${ids[5]}`)).status).toBe(204);
    const claims = [claim(ids[0], 'multi-1'), claim(ids[1], 'multi-1'), claim(ids[2], 'multi-1'), claim(ids[3], 'multi-2'), claim(ids[4], 'multi-down'), claim(ids[5], 'multi-2')];
    const out = await nodes.claimForInstances(claims, ratios, 0, new Date(Date.now() - 60_000), new Date());
    expect(out.placed.map((c) => c.instanceUuid)).toEqual([ids[0], ids[1], ids[3]]);
    expect(out.lost.map((c) => c.instanceUuid)).toEqual([ids[2], ids[4]]);
    expect(out.gone.map((c) => c.instanceUuid)).toEqual([ids[5]]);
    expect(out.nodes.get('multi-1')).toMatchObject({ memoryMbUsed: 2048, available: true });
    expect(out.nodes.get('multi-down')).toMatchObject({ memoryMbUsed: 0, available: false });
    const used = (await ds.query("SELECT host, memory_mb_used FROM compute_node WHERE host LIKE 'multi-%' ORDER BY host")) as Array<{ host: string; memory_mb_used: number }>;
    expect(used).toEqual([
      { host: 'multi-1', memory_mb_used: 2048 },
      { host: 'multi-2', memory_mb_used: 1024 },
      { host: 'multi-down', memory_mb_used: 0 },
    ]);
  });

  it('action events in one batch: a start and its finish, a finish before its start, an agent event without an action, an error marking its action', async () => {
    const ds = s.t.db.dataSource;
    const actions = new InstanceActionRepository(ds);
    const [id] = await waitingServers('events', 1);
    const [{ request_id: requestId }] = (await ds.query("SELECT request_id FROM instance_action WHERE instance_uuid = ? AND action = 'create'", [id])) as Array<{ request_id: string }>;
    const at = (ms: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, 0, ms));
    await actions.events([
      { instanceUuid: id, requestId, event: 'step_a', phase: 'start', at: at(1), host: 'h1' },
      { instanceUuid: id, requestId, event: 'step_a', phase: 'finish', result: 'Success', at: at(2), host: 'h1' },
      { instanceUuid: id, requestId, event: 'step_b', phase: 'finish', result: 'Error', details: 'disk full', at: at(4), host: 'h1' },
      { instanceUuid: id, requestId: 'req-agent-own', event: 'compute_power_sync', phase: 'start', at: at(5), host: 'h1' },
    ]);
    // the late start of step_b changes nothing
    await actions.events([{ instanceUuid: id, requestId, event: 'step_b', phase: 'start', at: at(3), host: 'h1' }]);
    const got = await actions.get(id, requestId);
    expect(got?.action.message).toBe('Error');
    const byName = Object.fromEntries((got?.events ?? []).map((e) => [e.event, e]));
    expect(byName.step_a).toMatchObject({ startTime: at(1), finishTime: at(2), result: 'Success', traceback: null, host: 'h1' });
    expect(byName.step_b).toMatchObject({ startTime: at(4), finishTime: at(4), result: 'Error', traceback: 'disk full' });
    const own = await actions.get(id, 'req-agent-own');
    expect(own?.action.action).toBe('compute_power_sync');
    expect(own?.events.map((e) => [e.event, e.finishTime, e.result])).toEqual([['compute_power_sync', null, null]]);
  });

  it('a batch of creates placed by one scheduler: each build is cast once to its host with the server metadata, read with the rows', async () => {
    const ds = s.t.db.dataSource;
    await new ComputeNodeRepository(ds).applyReport(hostReport('meta-1', { memoryMb: 65536, vcpus: 64, localGb: 500, availabilityZone: 'meta' }), new Date());
    const metadata = { role: 'web', note: 'naïve "quoted" ☁' };
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await s.t.json('demo', 'POST', '/v2.1/servers', { server: { name: `meta-${i}`, imageRef: imageId, flavorRef: flavor, availability_zone: 'meta', metadata: i === 3 ? {} : metadata } });
      expect(r.status).toBe(202);
      ids.push(r.body.server.id as string);
    }
    const bus = s.broker.client();
    const built: Array<{ id: string; metadata: Record<string, string> }> = [];
    const none = async () => undefined;
    await bus.serve(
      computeAgent,
      {
        buildAndRunInstance: async (_ctx: unknown, { instance }: { instance: { instanceId: string; metadata: Record<string, string> } }) => {
          built.push({ id: instance.instanceId, metadata: instance.metadata });
        },
        terminateInstance: none,
        powerAction: none,
        snapshotInstance: none,
        getConsoleOutput: async () => ({ output: '' }),
        getSerialConsole: async () => ({ libvirtUri: '', domainName: '', device: null }),
      } as never,
      { server: 'meta-1' },
    );
    const instances = new InstanceRepository(ds);
    const log = createLogger('sched', 'silent');
    const scheduler = new Scheduler({ instances, nodes: new ComputeNodeRepository(ds), actions: new InstanceActionRepository(ds), agent: bus.rpc(computeAgent), notifier: new ServerNotifier(undefined, instances, new ComputeLinks('http://h'), log), config: s.t.config.compute.scheduler, log });
    // the four arrive together: one batch; a second request for them (a redelivery) places nothing again
    await Promise.all(ids.map((id, i) => scheduler.scheduleInstances({ requestId: `req-meta-${i}` }, [id])));
    await scheduler.scheduleInstances({ requestId: 'req-again' }, ids);
    for (let i = 0; i < 50 && built.length < 4; i++) await new Promise((r) => setTimeout(r, 20));
    expect(built.map((b) => b.id).sort()).toEqual([...ids].sort());
    for (const b of built) expect(b.metadata).toEqual(b.id === ids[3] ? {} : metadata);
    const rows = (await ds.query(`SELECT host, claimed FROM instance WHERE uuid IN (?, ?, ?, ?)`, ids)) as Array<{ host: string; claimed: number }>;
    expect(rows.every((r) => r.host === 'meta-1' && r.claimed === 1)).toBe(true);
    const [node] = (await ds.query("SELECT memory_mb_used FROM compute_node WHERE host = 'meta-1'")) as Array<{ memory_mb_used: number }>;
    expect(node.memory_mb_used).toBe(4 * 1024);
    expect((await instances.findAnyWithMetadata(ids[0]))?.metadata).toEqual(metadata);
  });
  it('a statement of its own chosen as a deadlock victim is run again; inside a caller’s transaction the error goes to the caller', async () => {
    // the scale bench lost 3 builds of 1,000: a conductor's update crossed a claim batch's locks
    const ds = s.t.db.dataSource;
    const [id] = await waitingServers('victim', 1);
    const repo = new InstanceRepository(ds);
    const deadlock = () => Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), { code: 'ER_LOCK_DEADLOCK' });
    const spy = jest.spyOn(ds.manager, 'query').mockRejectedValueOnce(deadlock());
    try {
      expect(await repo.transition(id, ['scheduling'], { progress: 7 })).toBe(true);
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
    expect(((await ds.query('SELECT progress FROM instance WHERE uuid = ?', [id])) as Array<{ progress: number }>)[0].progress).toBe(7);
    await expect(
      ds.transaction(async (m) => {
        jest.spyOn(m, 'query').mockRejectedValueOnce(deadlock());
        return repo.transition(id, undefined, { progress: 8 }, m);
      }),
    ).rejects.toThrow('Deadlock');
    expect(((await ds.query('SELECT progress FROM instance WHERE uuid = ?', [id])) as Array<{ progress: number }>)[0].progress).toBe(7);
  });
});
