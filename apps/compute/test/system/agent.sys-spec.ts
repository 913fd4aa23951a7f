// The compute agent as a process would run it (startAgent): the real RabbitMQ (an exchange prefix
// of its own), the real LibvirtDriver on libvirtd/QEMU, images fetched from the running stack's
// image service (kumo-tiny, checksum verified) — and a conductor in the test that keeps the
// instance rows. First build of the image (cache miss) and a second one (cache hit) are timed;
// a guest powered off from its own shell (through libvirt's console stream) becomes SHUTOFF by
// the power-state sync; terminate leaves no domain and no file.
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type RequestContext } from '@kumo/common';
import { isNoDomain, LibvirtClient } from '@kumo/libvirt';
import { MessagingClient } from '@kumo/messaging';
import { ImageClient, ServiceSession } from '@kumo/sdk';
import { openrcCredentials } from '@kumo/testing';
import { imageSnapshotStore, startAgent, type RunningAgent } from '../../src/agent/agent';
import { computeAgentSection } from '../../src/agent/agent.config';
import { LocalExecutor } from '../../src/drivers/command-executor';
import { LibvirtDriver } from '../../src/drivers/libvirt/libvirt.driver';
import { computeAgent } from '../../src/rpc/agent.contract';
import type { InstanceSpecInput } from '../../src/rpc/instance-spec';
import { libvirtdAndTinyImage, lockLibvirtd, removeTestDomains, run, TEST_DOMAIN_PREFIX, until } from '../support/libvirt';
import { FakeConductor } from '../unit/agent/support/fakes';

const PREFIX = `${TEST_DOMAIN_PREFIX}sys-`;
const HOST = `kumo-test-agent-${randomBytes(3).toString('hex')}`;
const AMQP = process.env.KUMO_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
jest.setTimeout(600_000);

const log = createLogger('compute-agent', process.env.KUMO_TEST_LOG ?? 'silent');
const ctx: RequestContext = { requestId: `req-${randomUUID()}`, userId: 'u1', projectId: 'p1', roles: ['member'] };

describe('compute agent (real bus, libvirtd, image service)', () => {
  const exchangePrefix = `kumo-test-agent-${randomBytes(4).toString('hex')}`;
  let agentBus: MessagingClient;
  let apiBus: MessagingClient;
  let conductor: FakeConductor;
  let agent: RunningAgent;
  let driver: LibvirtDriver;
  let client: LibvirtClient;
  let dir: string;
  let unlock: (() => void) | undefined;
  let image: { id: string; disk_format: string | null; size: number | null; checksum: string | null };

  beforeAll(async () => {
    unlock = await lockLibvirtd();
    await libvirtdAndTinyImage();
    const session = new ServiceSession(openrcCredentials('admin'));
    const images = new ImageClient(session);
    const res = await session.authorizedFetch(`${(await session.endpoint('image')).replace(/\/+$/, '')}/v2/images?name=kumo-tiny&status=active`);
    const listed = ((await res.json()) as { images: Array<typeof image> }).images;
    if (!listed.length) throw new Error('the stack has no active kumo-tiny image (./stack.sh uploads it)');
    image = listed[0];
    dir = mkdtempSync(join(tmpdir(), 'kumo-test-agent-'));
    chmodSync(dir, 0o755);
    client = await LibvirtClient.connect({});
    await client.open('qemu:///system');
    const settings = computeAgentSection.parse({
      host: HOST,
      instances_path: join(dir, 'instances'),
      domain_prefix: PREFIX,
      report_interval_seconds: 1,
      power_sync_interval_seconds: 1,
      shutdown_timeout_seconds: 3,
    });
    driver = new LibvirtDriver(
      { uri: 'qemu:///system', instancesPath: settings.instances_path, domainPrefix: PREFIX, virtType: 'auto', machine: 'pc', shutdownTimeoutMs: 3000, softRebootWaitMs: 3000, startTimeoutMs: 60_000, kvmProbeTimeoutMs: 15_000 },
      new LocalExecutor(log),
      async (id, path) => void (await images.downloadToFile(id, path)),
      log,
    );
    agentBus = new MessagingClient({ url: AMQP, exchangePrefix, rpcTimeoutMs: 10_000 });
    apiBus = new MessagingClient({ url: AMQP, exchangePrefix, rpcTimeoutMs: 10_000 });
    conductor = new FakeConductor();
    await conductor.serve(apiBus);
    agent = await startAgent({ settings, bus: agentBus, driver, snapshots: imageSnapshotStore(images), logger: log });
  });

  afterAll(async () => {
    await agent?.stop();
    await agentBus?.close();
    await apiBus?.close();
    if (client) {
      await removeTestDomains(client, PREFIX);
      await client.close();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    // the durable queues this file declared (the exchanges are left: rabbitmqctl cannot delete them)
    for (const q of ['compute.agent', `compute.agent.${HOST}`, 'compute.conductor', `compute.conductor.${hostname()}`]) {
      await run('rabbitmqctl', ['delete_queue', `${exchangePrefix}.${q}`]).catch(() => undefined);
    }
  });
  afterAll(() => unlock?.()); // after the cleanup above, even when it failed


  const spec = (id: string): InstanceSpecInput => ({
    instanceId: id,
    name: `agent-test-${id.slice(0, 8)}`,
    hostname: `agent-test-${id.slice(0, 8)}`,
    projectId: 'p1',
    userId: 'u1',
    reservationId: 'r-1',
    flavor: { id: 'tiny', name: 'tiny', vcpus: 1, memoryMb: 256, rootGb: 1 },
    image: { id: image.id, name: 'kumo-tiny', diskFormat: image.disk_format, size: image.size, checksum: image.checksum },
    createdAt: new Date().toISOString(),
  });

  const eventMs = (id: string, event: string) => {
    const e = conductor.events.filter((x) => x.instanceId === id && x.event === event) as Array<{ phase: string; at?: string }>;
    const at = (p: string) => Date.parse((conductor.events.find((x) => x.instanceId === id && x.event === event && x.phase === p) as unknown as { at: string }).at);
    return e.length === 2 ? at('finish') - at('start') : NaN;
  };

  const boot = async (id: string) => {
    conductor.add(id);
    const t0 = Date.now();
    await apiBus.rpc(computeAgent).cast(ctx, 'buildAndRunInstance', { instance: spec(id) }, { server: HOST });
    await until('ACTIVE or ERROR', () => ['active', 'error'].includes(conductor.rows.get(id)!.vmState), 120_000);
    const activeMs = Date.now() - t0;
    expect(conductor.rows.get(id)).toMatchObject({ vmState: 'active', powerState: 1, fault: null });
    const out = await until('guest ready with its uuid', async () => {
      const { output } = await apiBus.rpc(computeAgent).call(ctx, 'getConsoleOutput', { instanceId: id }, { server: HOST });
      return output.includes(`KUMO-GUEST-UUID ${id}`) ? output : null;
    }, 180_000);
    const readyMs = Date.now() - t0;
    expect(out).toMatch(/^KUMO-GUEST-READY /m);
    return { activeMs, readyMs, fetchMs: eventMs(id, 'compute_fetch_image'), defineStartMs: eventMs(id, 'compute_define_domain') + eventMs(id, 'compute_start_domain') + eventMs(id, 'compute_wait_for_start') };
  };

  it('reports its host at start with the virt type and why', async () => {
    const r = await until('a host report', () => conductor.reports.find((x) => x.host === HOST), 10_000);
    expect(r.virtTypeReason).not.toBe('');
    expect(r.vcpus).toBeGreaterThan(0);
    console.log(`host report: ${r.virtType} (${r.virtTypeReason}); ${r.vcpus} vCPUs, ${r.memoryMb} MiB, ${r.localGb} GB`);
  });

  it('boots kumo-tiny from the image service (cache miss, then hit), syncs a power-off from inside, terminates cleanly', async () => {
    const first = randomUUID();
    const second = randomUUID();
    const miss = await boot(first);
    const hit = await boot(second);
    console.log(`cache miss: cast → ACTIVE ${miss.activeMs} ms (image fetch ${miss.fetchMs} ms, define+start+event ${miss.defineStartMs} ms), → guest ready ${miss.readyMs} ms`);
    console.log(`cache hit:  cast → ACTIVE ${hit.activeMs} ms (image fetch ${hit.fetchMs} ms, define+start+event ${hit.defineStartMs} ms), → guest ready ${hit.readyMs} ms`);
    expect(readdirSync(join(dir, 'instances', '_base'))).toEqual([image.id]);

    // the report lists both guests and counts their resources
    await until('report with two guests', () => conductor.reports.some((r) => r.instances.length === 2 && r.vcpusUsed === 2 && r.memoryMbUsed === 512 + 512), 10_000);

    // powered off from the guest's own shell → the sync makes it SHUTOFF
    const dom = await client.domainLookupByUUID(second);
    const stream = await client.domainOpenConsole(dom, null, 1);
    stream.write('\rpoweroff -f\r');
    await until('stopped by the power sync', () => conductor.rows.get(second)!.vmState === 'stopped', 60_000);
    stream.destroy();
    expect(conductor.rows.get(second)).toMatchObject({ vmState: 'stopped', powerState: 4 });
    expect(conductor.notifications).toContain('compute.instance.power_off.end');

    for (const id of [first, second]) {
      conductor.rows.get(id)!.taskState = 'deleting';
      await apiBus.rpc(computeAgent).cast(ctx, 'terminateInstance', { instanceId: id }, { server: HOST });
    }
    await until('both deleted', () => conductor.rows.get(first)!.deleted && conductor.rows.get(second)!.deleted, 60_000);
    for (const id of [first, second]) {
      await expect(client.domainLookupByUUID(id).then(() => 'exists', (e: unknown) => (isNoDomain(e) ? 'gone' : String(e)))).resolves.toBe('gone');
      expect(existsSync(join(dir, 'instances', id))).toBe(false);
    }
  });
});
