// The serial console end to end in one process: the compute API and scheduler (the servers stack on
// the in-memory bus and MariaDB), the real agent (startAgent with the LibvirtDriver on libvirtd/QEMU,
// kumo-tiny copied in as the image), and the console proxy on the same database and bus. A server
// created through the API reaches ACTIVE, the os-getSerialConsole action gives a URL, typing through
// it reaches the guest's shell, and deleting the server closes the console with the reason.
// Domains are kumo-test-e2econsole-*, removed afterwards.
import { randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@kumo/common';
import { LibvirtClient } from '@kumo/libvirt';
import WebSocket from 'ws';
import { startAgent, type RunningAgent } from '../../src/agent/agent';
import { computeAgentSection } from '../../src/agent/agent.config';
import { libvirtdAndTinyImage, lockLibvirtd, removeDomains } from '../support/console-libvirt';
import { ConsoleProxy } from '../../src/console/console-proxy';
import { ConsoleAuthTokenRepository } from '../../src/db/repositories/console-auth-token.repository';
import { LocalExecutor } from '../../src/drivers/command-executor';
import { LibvirtDriver } from '../../src/drivers/libvirt/libvirt.driver';
import { ComputeStack, startComputeStack } from '../support/compute-stack';

const PREFIX = 'kumo-test-e2econsole-';
const HOST = 'kumo-test-e2econsole-host';
jest.setTimeout(600_000);

describe('serial console end to end: API → scheduler → agent → libvirt, and the proxy', () => {
  let unlock: (() => void) | undefined;
  let s: ComputeStack;
  let agent: RunningAgent | undefined;
  let proxy: ConsoleProxy;
  let lv: LibvirtClient;
  let dir: string;
  let imageId: string;
  let flavorId: string;

  beforeAll(async () => {
    unlock = await lockLibvirtd();
    const tiny = await libvirtdAndTinyImage();
    lv = await LibvirtClient.connect();
    await lv.open('qemu:///system');
    await removeDomains(lv, PREFIX);
    dir = mkdtempSync(join(tmpdir(), 'kumo-test-e2econsole-'));
    chmodSync(dir, 0o755);

    s = await startComputeStack();
    imageId = s.images.add({ name: 'kumo-tiny', disk_format: 'qcow2', size: statSync(tiny).size }).id;
    const flavor = await s.t.json('admin', 'POST', '/v2.1/flavors', {
      flavor: { name: 'tiny', ram: 256, vcpus: 1, disk: 1 },
    });
    flavorId = flavor.body.flavor.id;

    const log = createLogger('e2e', process.env.KUMO_TEST_LOG ?? 'silent');
    const settings = computeAgentSection.parse({
      host: HOST,
      instances_path: join(dir, 'instances'),
      domain_prefix: PREFIX,
      virt_type: 'qemu',
      report_interval_seconds: 1,
      power_sync_interval_seconds: 5,
      shutdown_timeout_seconds: 3,
      reserved_host_memory_mb: 0,
    });
    const driver = new LibvirtDriver(
      {
        uri: 'qemu:///system',
        instancesPath: settings.instances_path,
        domainPrefix: PREFIX,
        virtType: 'qemu',
        machine: 'pc',
        shutdownTimeoutMs: 3000,
        softRebootWaitMs: 3000,
        startTimeoutMs: 60_000,
        kvmProbeTimeoutMs: 15_000,
      },
      new LocalExecutor(log),
      async (_id, path) => copyFileSync(tiny, path),
      log,
    );
    agent = await startAgent({
      settings,
      bus: s.broker.client({ rpcTimeoutMs: 30_000 }),
      driver,
      snapshots: {
        upload: async () => Promise.reject(new Error('no snapshots here')),
        discard: async () => undefined,
      },
      logger: log,
    });
    for (let i = 0; i < 100; i++) {
      const rows = (await s.t.db.dataSource.query('SELECT 1 FROM compute_service WHERE host = ?', [
        HOST,
      ])) as unknown[];
      if (rows.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    proxy = new ConsoleProxy({
      tokens: new ConsoleAuthTokenRepository(s.t.db.dataSource),
      bus: s.broker.client({ rpcTimeoutMs: 10_000 }),
      logger: log,
      settings: { allowed_origins: [], agent_timeout_ms: 10_000 },
    });
    await proxy.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await proxy?.close();
    await agent?.stop();
    await s?.close();
    if (lv && !lv.closed) {
      await removeDomains(lv, PREFIX);
      await lv.close();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => unlock?.());

  const status = async (id: string): Promise<string | undefined> => {
    const r = await s.t.json('demo', 'GET', `/v2.1/servers/${id}`);
    return r.status === 404 ? 'GONE' : r.body?.server?.status;
  };
  const until = async (what: string, ok: () => Promise<boolean>, ms: number) => {
    const deadline = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it("a server's console URL from the API reaches the guest's shell; deleting the server closes it with the reason", async () => {
    const created = await s.t.json('demo', 'POST', '/v2.1/servers', {
      server: { name: `console-${randomUUID().slice(0, 8)}`, imageRef: imageId, flavorRef: flavorId },
    });
    expect(created.status).toBe(202);
    const id = created.body.server.id as string;
    await until(
      'ACTIVE',
      async () => {
        const st = await status(id);
        if (st === 'ERROR')
          throw new Error(
            `the server went to ERROR: ${JSON.stringify((await s.t.json('demo', 'GET', `/v2.1/servers/${id}`)).body.server.fault)}`,
          );
        return st === 'ACTIVE';
      },
      180_000,
    );

    const r = await s.t.json('demo', 'POST', `/v2.1/servers/${id}/action`, {
      'os-getSerialConsole': { type: 'serial' },
    });
    expect(r.status).toBe(200);
    const url = String(r.body.console.url).replace('127.0.0.1:6083', `127.0.0.1:${proxy.port}`);
    const ws = new WebSocket(url, ['binary']);
    let text = '';
    ws.on('message', (d: Buffer) => (text += d.toString('latin1')));
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.on('close', (code, why) => resolve({ code, reason: why.toString('utf8') })),
    );
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    // the guest may still be booting: type until its shell answers (42 is what it prints, not what it echoes)
    const deadline = Date.now() + 240_000;
    while (!/kumo-42-ok/.test(text)) {
      if (Date.now() > deadline)
        throw new Error(`the guest's shell never answered; the console showed:\n${text.slice(-2000)}`);
      ws.send(Buffer.from('\recho kumo-$((6*7))-ok\r'));
      await new Promise((res) => setTimeout(res, 2000));
    }

    expect((await s.t.json('demo', 'DELETE', `/v2.1/servers/${id}`)).status).toBe(204);
    expect(await closed).toEqual({
      code: 1000,
      reason: expect.stringMatching(
        /^the server stopped \(stopped: destroyed\)$|^the server stopped \(undefined: removed\)$/,
      ),
    });
    await until('deleted', async () => (await status(id)) === 'GONE', 60_000);
  });
});
