// The agent's handlers over InMemoryBroker: the API side casts and calls computeAgent on
// `{ server: 'node-1' }`, the agent drives a fake driver and reports to a fake conductor.
import { randomUUID } from 'node:crypto';
import { createLogger, NotFound, type RequestContext } from '@kumo/common';
import { InMemoryBroker, type RpcClient } from '@kumo/messaging';
import { ComputeManager } from '../../../src/agent/compute.manager';
import { ConductorLink } from '../../../src/agent/conductor-link';
import { PowerSync } from '../../../src/agent/power-sync';
import { hostReportOf, ResourceTracker } from '../../../src/agent/resource-tracker';
import { computeAgent } from '../../../src/rpc/agent.contract';
import { computeConductor } from '../../../src/rpc/conductor.contract';
import { instanceSpec, type InstanceSpecInput } from '../../../src/rpc/instance-spec';
import { FakeConductor, FakeDriver } from './support/fakes';

const log = createLogger('compute-agent-test', process.env.KUMO_TEST_LOG ?? 'silent');
const ctx: RequestContext = { requestId: 'req-11111111-2222-4333-8444-555555555555', userId: 'u1', projectId: 'p1', roles: ['member'] };

const spec = (id: string): InstanceSpecInput => ({
  instanceId: id,
  name: 'vm',
  hostname: 'vm',
  projectId: 'p1',
  userId: 'u1',
  reservationId: 'r-1',
  flavor: { id: 'tiny', name: 'tiny', vcpus: 1, memoryMb: 256, rootGb: 1 },
  image: { id: randomUUID(), diskFormat: 'qcow2', size: 100 },
  createdAt: new Date().toISOString(),
});

async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('ComputeManager (agent handlers)', () => {
  let broker: InMemoryBroker;
  let driver: FakeDriver;
  let conductor: FakeConductor;
  let agent: RpcClient<typeof computeAgent>;
  let manager: ComputeManager;
  let sync: PowerSync;
  let link: ConductorLink;
  const uploads: string[] = [];
  const discarded: string[] = [];

  beforeEach(async () => {
    broker = new InMemoryBroker();
    driver = new FakeDriver();
    conductor = new FakeConductor();
    await conductor.serve(broker.client());
    const agentBus = broker.client({ rpcTimeoutMs: 2000 });
    link = new ConductorLink(agentBus.rpc(computeConductor), log);
    manager = new ComputeManager(driver, link, { upload: async (id) => void uploads.push(id), discard: async (id) => void discarded.push(id) }, log, { host: 'node-1' });
    sync = new PowerSync(driver, link, manager.locks, log, { eventDelayMs: 20 });
    await agentBus.serve(computeAgent, manager.handlers(), { server: 'node-1' });
    agent = broker.client({ rpcTimeoutMs: 2000 }).rpc(computeAgent);
  });

  const build = async (id: string, buildTimeoutSeconds?: number) => {
    await agent.cast(ctx, 'buildAndRunInstance', { instance: spec(id), ...(buildTimeoutSeconds ? { buildTimeoutSeconds } : {}) }, { server: 'node-1' });
    // (events are casts: the last one may reach the conductor after the handler returned)
    await until('build settled', () => ['active', 'error'].includes(conductor.rows.get(id)!.vmState) && !manager.locks.busy(id) && conductor.eventsOf(id).some((e) => e.startsWith('compute__do_build_and_run_instance:finish')));
  };

  it('builds an instance: spawning, every step as an event, then ACTIVE/running with launchedAt', async () => {
    const id = randomUUID();
    conductor.add(id);
    await build(id);
    expect(conductor.rows.get(id)).toMatchObject({ vmState: 'active', taskState: null, powerState: 1, host: 'node-1', fault: null });
    expect(conductor.rows.get(id)!.launchedAt).toMatch(/^\d{4}-/);
    expect(conductor.eventsOf(id)).toEqual([
      'compute__do_build_and_run_instance:start',
      ...['fetch_image', 'prepare_disk', 'build_config_drive', 'define_domain', 'start_domain', 'wait_for_start'].flatMap((s) => [`compute_${s}:start`, `compute_${s}:finish:Success`]),
      'compute__do_build_and_run_instance:finish:Success',
    ]);
    expect(conductor.events.every((e) => e.requestId === ctx.requestId)).toBe(true);
    expect(conductor.notifications).toEqual(['compute.instance.create.start', 'compute.instance.create.end']);
    expect(driver.guests.get(id)?.power).toBe(1);
  });

  it('ends a failed build in ERROR with a fault naming the step and the driver\'s message, leaving nothing', async () => {
    const id = randomUUID();
    conductor.add(id);
    driver.failAt = { step: 'define_domain', message: "XML error: No PCI buses available" };
    await build(id);
    const row = conductor.rows.get(id)!;
    expect(row).toMatchObject({ vmState: 'error', taskState: null, powerState: 0 });
    expect(row.fault?.message).toBe(`Build of instance ${id} failed at step define_domain: XML error: No PCI buses available`);
    expect(row.fault?.code).toBe(500);
    expect(row.fault?.details).toContain('step: define_domain');
    expect(conductor.eventsOf(id)).toContain('compute_define_domain:finish:Error');
    expect(conductor.events.find((e) => e.event === 'compute_define_domain' && e.phase === 'finish')?.details).toBe('XML error: No PCI buses available');
    expect(conductor.eventsOf(id).at(-1)).toBe('compute__do_build_and_run_instance:finish:Error');
    expect(conductor.notifications).toContain('compute.instance.create.error');
    expect(driver.guests.has(id)).toBe(false);
    expect(driver.files.has(id)).toBe(false);
  });

  it('never leaves a build in BUILD: the timeout gives ERROR naming the step, and the driver cleans up', async () => {
    const id = randomUUID();
    conductor.add(id);
    driver.hangAt = 'start_domain';
    await build(id, 1);
    expect(conductor.rows.get(id)!.fault?.message).toBe(`Build of instance ${id} failed at step start_domain: Build of instance ${id} timed out after 1 s during step start_domain`);
    await until('cleanup', () => !driver.guests.has(id) && !driver.files.has(id));
  });

  it('does not build an instance that is gone or no longer building', async () => {
    const gone = randomUUID();
    await agent.cast(ctx, 'buildAndRunInstance', { instance: spec(gone) }, { server: 'node-1' });
    const errored = randomUUID();
    conductor.add(errored, { vmState: 'error', taskState: null });
    await agent.cast(ctx, 'buildAndRunInstance', { instance: spec(errored) }, { server: 'node-1' });
    await until('handled', () => !manager.locks.busy(gone) && !manager.locks.busy(errored));
    await new Promise((r) => setTimeout(r, 50));
    expect(driver.guests.size).toBe(0);
    expect(conductor.events).toEqual([]);
  });

  it('terminates idempotently, reporting the instance deleted', async () => {
    const id = randomUUID();
    conductor.add(id);
    await build(id);
    conductor.rows.get(id)!.taskState = 'deleting';
    await agent.cast(ctx, 'terminateInstance', { instanceId: id }, { server: 'node-1' });
    await until('deleted', () => conductor.rows.get(id)!.deleted);
    expect(driver.guests.has(id)).toBe(false);
    expect(conductor.rows.get(id)).toMatchObject({ vmState: 'deleted', taskState: null });
    expect(conductor.notifications).toContain('compute.instance.delete.end');
    await agent.cast(ctx, 'terminateInstance', { instanceId: id }, { server: 'node-1' });
    await until('second terminate done', () => conductor.eventsOf(id).filter((e) => e === 'compute_terminate_instance:finish:Success').length === 2);
  });

  /** The agent's side, in call order: the events and updates it sends and the driver's destroy. */
  const journalOf = (id: string): string[] => {
    const journal: string[] = [];
    const event = link.event.bind(link);
    const update = link.update.bind(link);
    const destroy = driver.destroy.bind(driver);
    link.event = (c, i, e, phase, result, details) => {
      if (i === id) journal.push(`event ${e}:${phase}${result ? `:${result}` : ''}`);
      return event(c, i, e, phase, result, details);
    };
    link.update = (c, i, change, opts) => {
      if (i === id) journal.push(`update ${change.vmState}${opts?.notify ? ` ${opts.notify.action}.${opts.notify.phase}` : ''}`);
      return update(c, i, change, opts);
    };
    driver.destroy = (i) => {
      if (i === id) journal.push('driver destroy');
      return destroy(i);
    };
    return journal;
  };

  it('terminates in Nova\'s order: the step starts, the driver destroys, the step succeeds, then the row is deleted (delete.end)', async () => {
    const id = randomUUID();
    conductor.add(id);
    await build(id);
    conductor.rows.get(id)!.taskState = 'deleting';
    const journal = journalOf(id);
    await agent.cast(ctx, 'terminateInstance', { instanceId: id }, { server: 'node-1' });
    await until('deleted', () => conductor.rows.get(id)!.deleted);
    expect(journal).toEqual(['event compute_terminate_instance:start', 'driver destroy', 'event compute_terminate_instance:finish:Success', 'update deleted delete.end']);
    expect(driver.guests.has(id) || driver.files.has(id)).toBe(false);
  });

  it('deletes an ERROR server whose build left no guest', async () => {
    const id = randomUUID();
    conductor.add(id, { vmState: 'error', taskState: 'deleting', host: 'node-1' });
    await agent.cast(ctx, 'terminateInstance', { instanceId: id }, { server: 'node-1' });
    await until('deleted', () => conductor.rows.get(id)!.deleted);
    await until('events', () => conductor.eventsOf(id).includes('compute_terminate_instance:finish:Success'));
    expect(conductor.notifications).toEqual(['compute.instance.delete.end']);
  });

  it('a terminate the driver fails puts the server in ERROR with libvirt\'s message (not left deleting), and a second delete removes it', async () => {
    const id = randomUUID();
    conductor.add(id);
    await build(id);
    conductor.rows.get(id)!.taskState = 'deleting';
    const destroy = driver.destroy.bind(driver);
    driver.destroy = async () => {
      throw new Error('Failed to terminate process 4242 with SIGKILL: Device or resource busy');
    };
    await agent.cast(ctx, 'terminateInstance', { instanceId: id }, { server: 'node-1' });
    await until('error', () => conductor.rows.get(id)!.vmState === 'error');
    const row = conductor.rows.get(id)!;
    expect(row).toMatchObject({ vmState: 'error', taskState: null, powerState: 1, deleted: false });
    expect(row.fault).toMatchObject({ code: 500, message: `Failed to delete instance ${id}: Failed to terminate process 4242 with SIGKILL: Device or resource busy` });
    expect(conductor.notifications).toContain('compute.instance.delete.error');
    await until('event', () => conductor.eventsOf(id).includes('compute_terminate_instance:finish:Error'));
    expect(driver.guests.has(id)).toBe(true);

    driver.destroy = destroy;
    row.taskState = 'deleting';
    await agent.cast(ctx, 'terminateInstance', { instanceId: id }, { server: 'node-1' });
    await until('deleted', () => conductor.rows.get(id)!.deleted);
    expect(driver.guests.has(id)).toBe(false);
    expect(conductor.notifications.at(-1)).toBe('compute.instance.delete.end');
  });

  it('a delete during a build cancels it: no ERROR, nothing left', async () => {
    const id = randomUUID();
    conductor.add(id);
    driver.hangAt = 'fetch_image';
    await agent.cast(ctx, 'buildAndRunInstance', { instance: spec(id) }, { server: 'node-1' });
    await until('building', () => conductor.rows.get(id)!.taskState === 'spawning');
    await agent.cast(ctx, 'terminateInstance', { instanceId: id }, { server: 'node-1' });
    await until('deleted', () => conductor.rows.get(id)!.deleted);
    expect(conductor.rows.get(id)!.fault).toBeNull();
    expect(driver.guests.has(id)).toBe(false);
    expect(driver.files.has(id)).toBe(false);
  });

  it('applies power actions from their task state, and reverts the task state when one fails', async () => {
    const id = randomUUID();
    conductor.add(id);
    await build(id);
    const act = async (action: 'stop' | 'start' | 'pause' | 'suspend' | 'reboot_hard', taskState: 'powering-off' | 'powering-on' | 'pausing' | 'suspending' | 'rebooting_hard') => {
      conductor.rows.get(id)!.taskState = taskState;
      await agent.cast(ctx, 'powerAction', { instanceId: id, action }, { server: 'node-1' });
      await until(action, () => conductor.rows.get(id)!.taskState === null);
      return conductor.rows.get(id)!;
    };
    await expect(act('stop', 'powering-off')).resolves.toMatchObject({ vmState: 'stopped', powerState: 4 });
    await expect(act('start', 'powering-on')).resolves.toMatchObject({ vmState: 'active', powerState: 1 });
    await expect(act('pause', 'pausing')).resolves.toMatchObject({ vmState: 'paused', powerState: 3 });
    await expect(act('suspend', 'suspending')).resolves.toMatchObject({ vmState: 'suspended', powerState: 3 });
    driver.powerFails = 'Requested operation is not valid: domain is not running';
    await expect(act('reboot_hard', 'rebooting_hard')).resolves.toMatchObject({ vmState: 'paused', taskState: null, powerState: 3 });
    expect(conductor.events.find((e) => e.event === 'compute_reboot_instance' && e.result === 'Error')?.details).toBe('Requested operation is not valid: domain is not running');
    expect(conductor.notifications).toEqual(expect.arrayContaining(['compute.instance.power_off.end', 'compute.instance.power_on.end', 'compute.instance.reboot.error']));
  });

  it('answers console output and serial console calls; an unknown instance is NotFound', async () => {
    const id = randomUUID();
    conductor.add(id);
    await build(id);
    driver.console.set(id, 'a\nb\nKUMO-GUEST-READY 6.1\nc');
    await expect(agent.call(ctx, 'getConsoleOutput', { instanceId: id, length: 2 }, { server: 'node-1' })).resolves.toEqual({ output: 'KUMO-GUEST-READY 6.1\nc' });
    await expect(agent.call(ctx, 'getSerialConsole', { instanceId: id }, { server: 'node-1' })).resolves.toEqual({ libvirtUri: 'test:///default', domainName: `instance-${id}`, device: null });
    await expect(agent.call(ctx, 'getConsoleOutput', { instanceId: randomUUID() }, { server: 'node-1' })).rejects.toBeInstanceOf(NotFound);
  });

  it('snapshots through image_uploading back to no task; a failure discards the image', async () => {
    const id = randomUUID();
    conductor.add(id);
    await build(id);
    const imageId = randomUUID();
    conductor.rows.get(id)!.taskState = 'image_snapshot';
    await agent.cast(ctx, 'snapshotInstance', { instanceId: id, imageId }, { server: 'node-1' });
    await until('snapshot', () => conductor.rows.get(id)!.taskState === null);
    expect(uploads).toContain(imageId);
    expect(conductor.notifications).toContain('compute.instance.snapshot.end');
    const gone = randomUUID();
    conductor.add(gone, { vmState: 'active', taskState: 'image_snapshot' });
    await agent.cast(ctx, 'snapshotInstance', { instanceId: gone, imageId: imageId.replace(/.$/, '0') }, { server: 'node-1' });
    await until('failed snapshot', () => conductor.rows.get(gone)!.taskState === null);
    expect(discarded).toEqual([imageId.replace(/.$/, '0')]);
  });

  it('power sync: a guest powered off from inside makes the ACTIVE instance SHUTOFF; an unknown domain is left alone', async () => {
    const id = randomUUID();
    conductor.add(id);
    await build(id);
    await sync.sync();
    driver.guests.get(id)!.power = 4;
    const orphan = randomUUID();
    driver.guests.set(orphan, { spec: { ...driver.guests.get(id)!.spec, instanceId: orphan }, power: 1 });
    await sync.sync();
    expect(conductor.rows.get(id)).toMatchObject({ vmState: 'stopped', powerState: 4, taskState: null });
    expect(conductor.notifications).toContain('compute.instance.power_off.end');
    expect(sync.orphans.has(orphan)).toBe(true);
    expect(driver.guests.has(orphan)).toBe(true);
  });

  it('power sync follows a hypervisor event within its delay, without waiting for the next pass', async () => {
    const id = randomUUID();
    conductor.add(id);
    await build(id);
    const unwatch = sync.watch();
    try {
      driver.changeBehindTheAgent(id, 6);
      await until('stopped after the crash event', () => conductor.rows.get(id)!.vmState === 'stopped');
      expect(conductor.rows.get(id)!.powerState).toBe(6);
    } finally {
      unwatch();
    }
  });

  it('recovery at start: a running guest of a spawning instance is ACTIVE, a build without a guest is ERROR, a deleted instance\'s guest goes', async () => {
    const running = randomUUID();
    const filesOnly = randomUUID();
    const deleted = randomUUID();
    const rebooting = randomUUID();
    const s = (id: string) => instanceSpec.parse(spec(id));
    conductor.add(running, { taskState: 'spawning' });
    conductor.add(filesOnly, { taskState: 'spawning' });
    conductor.add(deleted, { vmState: 'deleted', deleted: true });
    conductor.add(rebooting, { vmState: 'active', taskState: 'rebooting' });
    driver.guests.set(running, { spec: s(running), power: 1 });
    driver.guests.set(deleted, { spec: s(deleted), power: 1 });
    driver.guests.set(rebooting, { spec: s(rebooting), power: 4 });
    driver.files.add(filesOnly);
    await sync.recover();
    expect(conductor.rows.get(running)).toMatchObject({ vmState: 'active', taskState: null, powerState: 1 });
    expect(conductor.rows.get(filesOnly)).toMatchObject({ vmState: 'error', taskState: null });
    expect(conductor.rows.get(filesOnly)!.fault?.message).toMatch(/interrupted: the compute agent restarted/);
    expect(driver.files.has(filesOnly)).toBe(false);
    expect(driver.guests.has(deleted)).toBe(false);
    expect(conductor.rows.get(rebooting)).toMatchObject({ vmState: 'stopped', taskState: null, powerState: 4 });
  });

  it('recovery at start with resume_guests_state_on_host_boot: the shut-off guest of an ACTIVE instance runs again, a STOPPED one stays off', async () => {
    const active = randomUUID();
    const stopped = randomUUID();
    const s = (id: string) => instanceSpec.parse(spec(id));
    conductor.add(active, { vmState: 'active', taskState: null });
    conductor.add(stopped, { vmState: 'stopped', taskState: null });
    driver.guests.set(active, { spec: s(active), power: 4 });
    driver.guests.set(stopped, { spec: s(stopped), power: 4 });
    const link = new ConductorLink(broker.client({ rpcTimeoutMs: 2000 }).rpc(computeConductor), log);
    await new PowerSync(driver, link, manager.locks, log, { resumeGuestsOnBoot: true }).recover();
    expect(driver.guests.get(active)!.power).toBe(1);
    expect(conductor.rows.get(active)).toMatchObject({ vmState: 'active', taskState: null, powerState: 1 });
    expect(conductor.notifications).toContain('compute.instance.power_on.end');
    expect(driver.guests.get(stopped)!.power).toBe(4);
    expect(conductor.rows.get(stopped)).toMatchObject({ vmState: 'stopped', powerState: 4 });
    // without the option (sync above), an ACTIVE instance whose guest is off at start is SHUTOFF
    driver.guests.get(active)!.power = 4;
    await sync.recover();
    expect(conductor.rows.get(active)).toMatchObject({ vmState: 'stopped', powerState: 4 });
  });

  it('reports the host with usage summed over its guests and the reserved memory', async () => {
    const id = randomUUID();
    conductor.add(id);
    await build(id);
    const tracker = new ResourceTracker(driver, broker.client().rpc(computeConductor), log, { host: 'node-1', hostIp: '10.0.0.1', availabilityZone: null, agentVersion: 't', reservedHostMemoryMb: 512, reservedHostDiskMb: 0, reservedHostCpus: 0 });
    const r = await tracker.report();
    expect(r).toMatchObject({ host: 'node-1', vcpus: 8, vcpusUsed: 1, memoryMb: 16384, memoryMbUsed: 768, localGbUsed: 1, runningVms: 1, virtType: 'qemu', instances: [{ instanceId: id, powerState: 1 }] });
    await until('report received', () => conductor.reports.length === 1);
    expect(hostReportOf(await driver.hostFacts(), [], { host: 'h', hostIp: 'i', availabilityZone: 'az', agentVersion: 'v', reservedHostMemoryMb: 0, reservedHostDiskMb: 2048, reservedHostCpus: 2 }, new Date(0))).toMatchObject({ vcpus: 6, localGbUsed: 2, memoryMbUsed: 0, runningVms: 0, reportedAt: '1970-01-01T00:00:00.000Z' });
  });
});
