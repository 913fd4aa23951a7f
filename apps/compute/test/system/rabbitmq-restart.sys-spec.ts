// RabbitMQ restarted with creates in flight: each ends ACTIVE or in ERROR with a fault, never left in
// BUILD, and a create while the broker is down is a 503 that creates nothing. The compute processes as
// the stack runs them, from this tree: the API (throwaway database), the scheduler + conductor and the
// agent with the real LibvirtDriver, on the machine's RabbitMQ (an exchange prefix of their own),
// libvirtd/QEMU, and kumo-tiny fetched from the running stack's image service. The broker is shared:
// it is restarted once (`rabbitmqctl stop_app`, ~3 s, `start_app`) under the stack lock
// (/tmp/kumo-stack.lock), and started again in a finally whatever happens.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@kumo/common';
import { LibvirtClient } from '@kumo/libvirt';
import { MessagingClient } from '@kumo/messaging';
import { ImageClient, ServiceSession } from '@kumo/sdk';
import { openrcCredentials } from '@kumo/testing';
import { imageSnapshotStore, startAgent, type RunningAgent } from '../../src/agent/agent';
import { computeAgentSection } from '../../src/agent/agent.config';
import { LocalExecutor } from '../../src/drivers/command-executor';
import { LibvirtDriver } from '../../src/drivers/libvirt/libvirt.driver';
import { schedulerSection } from '../../src/scheduler/scheduler-config';
import { startScheduler, type RunningScheduler } from '../../src/scheduler/scheduler-process';
import { startComputeApp, type TestComputeApp } from '../support/app';
import { MemoryImages } from '../support/images';
import { libvirtdAndTinyImage, lockLibvirtd, removeTestDomains, run, TEST_DOMAIN_PREFIX, until } from '../support/libvirt';

const PREFIX = `${TEST_DOMAIN_PREFIX}rmq-`;
const HOST = `kumo-test-rmq-${randomBytes(3).toString('hex')}`;
const AMQP = process.env.KUMO_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const OUTAGE_S = 3;
jest.setTimeout(900_000);
const log = createLogger('rmq-restart', process.env.KUMO_TEST_LOG ?? 'silent');

/** `rabbitmqctl stop_app`, OUTAGE_S s, `start_app`, under the stack lock; resolves once it is stopped, `done` once started again. */
function restartBroker(): { stopped: Promise<void>; done: Promise<void> } {
  const script = `set -e; rabbitmqctl -q stop_app; echo STOPPED; sleep ${OUTAGE_S}; rabbitmqctl -q start_app; echo STARTED`;
  const child = spawn('flock', ['-o', '/tmp/kumo-stack.lock', 'bash', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let onStopped!: () => void;
  const stopped = new Promise<void>((r) => (onStopped = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('STOPPED')) onStopped();
  });
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`restarting RabbitMQ failed (${code}): ${out}`)))));
  return { stopped, done };
}

describe('RabbitMQ restarted with creates in flight', () => {
  const exchangePrefix = `kumo-test-rmq-${randomBytes(4).toString('hex')}`;
  const buses: MessagingClient[] = [];
  const bus = () => {
    const b = new MessagingClient({ url: AMQP, exchangePrefix, rpcTimeoutMs: 20_000, logger: log });
    buses.push(b);
    return b;
  };
  const images = new MemoryImages();
  let t: TestComputeApp;
  let scheduler: RunningScheduler;
  let agent: RunningAgent;
  let client: LibvirtClient;
  let dir: string;
  let unlock: (() => void) | undefined;
  let imageId: string;
  let flavor: string;
  let apiBus: MessagingClient;

  beforeAll(async () => {
    unlock = await lockLibvirtd();
    await libvirtdAndTinyImage();
    const session = new ServiceSession(openrcCredentials('admin'));
    const res = await session.authorizedFetch(`${(await session.endpoint('image')).replace(/\/+$/, '')}/v2/images?name=kumo-tiny&status=active`);
    const listed = ((await res.json()) as { images: Array<{ id: string; size: number; checksum: string | null; disk_format: string }> }).images;
    if (!listed.length) throw new Error('the stack has no active kumo-tiny image (./stack.sh uploads it)');
    imageId = images.add({ ...listed[0], id: listed[0].id, name: 'kumo-tiny' }).id;
    dir = mkdtempSync(join(tmpdir(), 'kumo-test-rmq-'));
    chmodSync(dir, 0o755);
    client = await LibvirtClient.connect({});
    await client.open('qemu:///system');
    apiBus = bus();
    t = await startComputeApp({ scheduler: { ...schedulerSection.parse({}), build_timeout: 240, liveness_interval: 5, service_down_time: 120 } }, { bus: apiBus, images });
    scheduler = await startScheduler({ config: t.config, dataSource: t.db.dataSource, bus: bus(), logger: log, host: `sched-${HOST}` });
    const settings = computeAgentSection.parse({ host: HOST, instances_path: join(dir, 'instances'), domain_prefix: PREFIX, report_interval_seconds: 2, power_sync_interval_seconds: 5, virt_type: 'qemu' });
    const imageClient = new ImageClient(session);
    const driver = new LibvirtDriver(
      { uri: 'qemu:///system', instancesPath: settings.instances_path, domainPrefix: PREFIX, virtType: 'qemu', machine: 'pc', shutdownTimeoutMs: 3000, softRebootWaitMs: 3000, startTimeoutMs: 60_000, kvmProbeTimeoutMs: 15_000 },
      new LocalExecutor(log),
      async (id, path) => void (await imageClient.downloadToFile(id, path)),
      log,
    );
    agent = await startAgent({ settings, bus: bus(), driver, snapshots: imageSnapshotStore(imageClient), logger: log });
    await until('the agent registered', async () => ((await t.db.dataSource.query('SELECT 1 FROM compute_service WHERE host = ?', [HOST])) as unknown[]).length > 0, 30_000);
    const f = await t.json('admin', 'POST', '/v2.1/flavors', { flavor: { name: `tiny-${HOST}`, ram: 256, vcpus: 1, disk: 1 } });
    flavor = f.body.flavor.id;
  });

  afterAll(async () => {
    await agent?.stop();
    await scheduler?.stop();
    await t?.close();
    for (const b of buses) await b.close();
    if (client) {
      await removeTestDomains(client, PREFIX);
      await client.close();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    const queues = (await run('rabbitmqctl', ['-q', 'list_queues', 'name']).catch(() => ({ stdout: '' }))).stdout.split('\n').filter((q) => q.startsWith(`${exchangePrefix}.`));
    for (const q of queues) await run('rabbitmqctl', ['-q', 'delete_queue', q]).catch(() => undefined);
  });
  afterAll(() => unlock?.());

  const create = (name: string) => t.json('demo', 'POST', '/v2.1/servers', { server: { name, imageRef: imageId, flavorRef: flavor } });
  const show = async (id: string) => (await t.json('admin', 'GET', `/v2.1/servers/${id}`)).body.server as { status: string; fault?: { message: string }; 'OS-EXT-STS:task_state': string | null };

  it('ends every create ACTIVE or ERROR with a fault, and refuses a create while the broker is down with a 503', async () => {
    // A: on the agent (its build steps and state changes cross the outage)
    const a = await create('rmq-building');
    expect(a.status).toBe(202);
    await until('A being built on the agent', async () => ['spawning'].includes((await show(a.body.server.id))['OS-EXT-STS:task_state'] ?? ''), 60_000);
    // B: accepted just before the broker goes (its scheduling request in flight)
    const b = await create('rmq-scheduling');
    expect(b.status).toBe(202);
    const restart = restartBroker();
    let c: Awaited<ReturnType<typeof create>> | undefined;
    try {
      await restart.stopped;
      await until('the API sees the broker gone', () => !apiBus.connected, 10_000);
      // C: while the broker is down
      c = await create('rmq-down');
      await restart.done;
    } finally {
      // never leave the shared broker stopped
      await run('rabbitmqctl', ['-q', 'start_app']).catch(() => undefined);
    }
    expect(c?.status).toBe(503);
    expect(c?.body.serviceUnavailable.message).toContain('No server was created');
    expect((await t.db.dataSource.query("SELECT uuid FROM instance WHERE name = 'rmq-down'")) as unknown[]).toEqual([]);

    const finals: Record<string, { status: string; fault?: { message: string } }> = {};
    for (const [name, id] of [['A', a.body.server.id], ['B', b.body.server.id]] as const) {
      finals[name] = await until(`${name} leaves BUILD`, async () => {
        const s = await show(id);
        return s.status === 'ACTIVE' || s.status === 'ERROR' ? s : null;
      }, 300_000);
      // ERROR only with a fault saying why
      expect(finals[name].status === 'ACTIVE' || /\w/.test(finals[name].fault?.message ?? '')).toBe(true);
    }
    console.log(`after a ${OUTAGE_S} s RabbitMQ outage: A (building) ${finals.A.status}${finals.A.fault ? ` (${finals.A.fault.message})` : ''}, B (scheduling) ${finals.B.status}${finals.B.fault ? ` (${finals.B.fault.message})` : ''}`);
    // with the broker back within seconds nothing needs to fail: both boot
    expect([finals.A.status, finals.B.status]).toEqual(['ACTIVE', 'ACTIVE']);
    // and a create after the outage goes through the re-subscribed consumers
    const d = await create('rmq-after');
    expect(d.status).toBe(202);
    await until('D ACTIVE', async () => (await show(d.body.server.id)).status === 'ACTIVE', 300_000);
  });
});
