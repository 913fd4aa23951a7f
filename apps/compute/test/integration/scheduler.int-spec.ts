import { createLogger } from '@kumo/common';
import { ComputeNodeRepository } from '../../src/db/repositories/compute-node.repository';
import { InstanceActionRepository } from '../../src/db/repositories/instance-action.repository';
import { InstanceRepository } from '../../src/db/repositories/instance.repository';
import { computeAgent } from '../../src/rpc';
import { Scheduler } from '../../src/scheduler/scheduler';
import { ComputeLinks } from '../../src/views/server.view';
import { ServerNotifier } from '../../src/services/server-notifier';
import { ComputeStack, FakeAgent, hostReport, startComputeStack } from '../support/compute-stack';

/** Placement under concurrency, quota races, dead hosts: the guarantees that only show with real MariaDB. */
describe('scheduler and quota under concurrency', () => {
  let s: ComputeStack;
  let imageId: string;
  let flavor: string;

  beforeAll(async () => {
    s = await startComputeStack({ scheduler: { ...(await import('../../src/scheduler/scheduler-config')).schedulerSection.parse({}), ram_allocation_ratio: 1, service_down_time: 60, build_timeout: 120 } });
    imageId = s.images.add().id;
    const r = await s.t.json('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'gig', ram: 1024, vcpus: 1, disk: 1 } });
    flavor = r.body.flavor.id;
  });
  afterAll(async () => {
    await s.close();
  });

  const create = (who: string, server: Record<string, unknown> = {}) => s.t.json(who, 'POST', '/v2.1/servers', { server: { name: 'c', imageRef: imageId, flavorRef: flavor, ...server } });

  it('10 parallel creates at an instances quota of 1: exactly one is accepted, the others get Nova 403', async () => {
    expect((await s.t.json('admin', 'PUT', '/v2.1/os-quota-sets/p-other', { quota_set: { instances: 1 } })).status).toBe(200);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => create('other', { name: `race-${i}` })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([202, 403, 403, 403, 403, 403, 403, 403, 403, 403]);
    for (const r of results.filter((x) => x.status === 403)) expect(r.body).toEqual({ forbidden: { code: 403, message: 'Quota exceeded for instances: Requested 1, but already used 1 of 1 instances' } });
    const rows = (await s.t.db.dataSource.query("SELECT COUNT(*) AS n FROM instance WHERE project_id = 'p-other' AND deleted = 0")) as Array<{ n: string }>;
    expect(Number(rows[0].n)).toBe(1);
    const used = (await s.t.json('admin', 'GET', '/v2.1/os-quota-sets/p-other/detail')).body.quota_set.instances;
    expect(used).toMatchObject({ limit: 1, in_use: 1 });
  });

  it('50 concurrent placements on 2 hosts of 4 GiB: none oversubscribed, 8 placed, 42 ERROR saying why', async () => {
    await s.t.json('admin', 'PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { instances: -1, cores: -1, ram: -1 } });
    // no scheduler consumes while the instances are made: they wait in the database
    await s.scheduler.stop();
    const ds = s.t.db.dataSource;
    const [a, b] = ['small-1', 'small-2'].map((host) => new FakeAgent(s.broker, host));
    for (const agent of [a, b]) {
      agent.hold = true;
      await agent.start();
      // the conductor is stopped with the scheduler: the report goes straight to the table
      await new ComputeNodeRepository(ds).applyReport(hostReport(agent.host, { memoryMb: 4096, vcpus: 64, localGb: 500 }), new Date());
    }
    const r = await create('demo', { name: 'burst', min_count: 50, max_count: 50 });
    expect(r.status).toBe(202);
    const ids = ((await s.t.db.dataSource.query("SELECT uuid FROM instance WHERE name LIKE 'burst-%' AND deleted = 0")) as Array<{ uuid: string }>).map((x) => x.uuid);
    expect(ids).toHaveLength(50);
    // three schedulers (as three processes would) place them one by one, all at once
    const instances = new InstanceRepository(ds);
    const log = createLogger('sched', 'silent');
    const bus = s.broker.client();
    const schedulers = [0, 1, 2].map(
      () =>
        new Scheduler({
          instances,
          nodes: new ComputeNodeRepository(ds),
          actions: new InstanceActionRepository(ds),
          agent: bus.rpc(computeAgent),
          notifier: new ServerNotifier(undefined, instances, new ComputeLinks('http://h'), log),
          config: s.t.config.compute.scheduler,
          log,
        }),
    );
    const t0 = Date.now();
    await Promise.all(ids.map((id, i) => schedulers[i % 3].scheduleInstances({ requestId: `req-${i}` }, [id])));
    process.stdout.write(`50 placements by 3 schedulers: ${Date.now() - t0} ms\n`);
    const nodes = (await ds.query("SELECT host, memory_mb, memory_mb_used FROM compute_node WHERE host LIKE 'small-%' ORDER BY host")) as Array<{ host: string; memory_mb: number; memory_mb_used: number }>;
    for (const n of nodes) expect(n.memory_mb_used).toBeLessThanOrEqual(n.memory_mb);
    expect(nodes.map((n) => n.memory_mb_used)).toEqual([4096, 4096]);
    const states = (await ds.query("SELECT vm_state, host, claimed FROM instance WHERE name LIKE 'burst-%'")) as Array<{ vm_state: string; host: string | null; claimed: number }>;
    const placed = states.filter((x) => x.host !== null);
    expect(placed).toHaveLength(8);
    expect(placed.every((x) => x.claimed === 1)).toBe(true);
    expect(states.filter((x) => x.vm_state === 'error')).toHaveLength(42);
    // the claims on each node are exactly the flavors of the instances placed there
    for (const n of nodes) expect(placed.filter((x) => x.host === n.host).length * 1024).toBe(n.memory_mb_used);
    const faults = (await ds.query("SELECT DISTINCT f.message FROM instance_fault f JOIN instance i ON i.uuid = f.instance_uuid WHERE i.name LIKE 'burst-%'")) as Array<{ message: string }>;
    for (const f of faults) expect(f.message).toMatch(/^No valid host: \d+ hosts; RamFilter removed \d+ \(needs 1024 MiB, largest free 0 MiB on small-1\)|^No valid host: every claim was lost/);
    expect(a.builds.length + b.builds.length).toBe(8);
  }, 60_000);

  it('a host that stops reporting mid-build: its building servers go to ERROR with a fault, never stuck in BUILD', async () => {
    const ds = s.t.db.dataSource;
    await ds.query("UPDATE compute_service SET disabled = 1 WHERE host LIKE 'small-%'");
    const { startScheduler } = await import('../../src/scheduler/scheduler-process');
    const sched = await startScheduler({ config: s.t.config, dataSource: ds, bus: s.broker.client(), logger: createLogger('sched', 'silent'), host: 'sched-2' });
    try {
      const slow = await s.agent('slow-1', { availabilityZone: 'slow', memoryMb: 8192 });
      slow.hold = true;
      const r = await create('demo', { name: 'orphan', availability_zone: 'slow' });
      const id = r.body.server.id as string;
      await s.waitFor('demo', id, (v) => v?.['OS-EXT-STS:task_state'] === 'spawning');
      // the agent dies: its last report is two minutes old
      await ds.query("UPDATE compute_service SET last_seen_up = NOW(6) - INTERVAL 120 SECOND WHERE host = 'slow-1'");
      expect(await sched.liveness.sweep()).toEqual([id]);
      const server = await s.waitFor('demo', id, (v) => v?.status === 'ERROR');
      expect(server.fault.message).toMatch(/^Build failed: compute host slow-1 stopped reporting \(last report \d\d:\d\d:\d\d\) while the instance was in step spawning$/);
      const node = (await ds.query("SELECT memory_mb_used FROM compute_node WHERE host = 'slow-1'")) as Array<{ memory_mb_used: number }>;
      expect(node[0].memory_mb_used).toBe(0);
      // a server on a dead host is deleted at once (no agent to wait for)
      expect((await s.t.json('demo', 'DELETE', `/v2.1/servers/${id}`)).status).toBe(204);
      expect((await s.t.json('demo', 'GET', `/v2.1/servers/${id}`)).status).toBe(404);
      // and a host that is down is filtered out, named with the time it was last seen
      const late = await create('demo', { name: 'late', availability_zone: 'slow' });
      const failed = await s.waitFor('demo', late.body.server.id, (v) => v?.status === 'ERROR');
      expect(failed.fault.message).toMatch(/ComputeFilter removed \d+ \(.*slow-1 down since \d\d:\d\d:\d\d/);
      // a build that does not progress for build_timeout (120 s here) on a live host: ERROR naming the step
      const stuck = await s.agent('stuck-1', { availabilityZone: 'stuck', memoryMb: 8192 });
      stuck.hold = true;
      const st = await create('demo', { name: 'stuck', availability_zone: 'stuck' });
      await s.waitFor('demo', st.body.server.id, (v) => v?.['OS-EXT-STS:task_state'] === 'spawning');
      expect(await sched.liveness.sweep()).toEqual([]);
      await ds.query('UPDATE instance SET updated_at = NOW(6) - INTERVAL 121 SECOND WHERE uuid = ?', [st.body.server.id]);
      expect(await sched.liveness.sweep()).toEqual([st.body.server.id]);
      const timedOut = await s.waitFor('demo', st.body.server.id, (v) => v?.status === 'ERROR');
      expect(timedOut.fault.message).toMatch(/^Build timed out after 120 s in step spawning on stuck-1: no progress since \d\d:\d\d:\d\d$/);
    } finally {
      await sched.stop();
    }
  }, 30_000);
});
