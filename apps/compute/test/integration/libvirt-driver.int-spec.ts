// LibvirtDriver against the real libvirtd and QEMU (qemu:///system): the KVM probe, then the
// kumo-tiny guest (tools/guest-image, built when missing) through a whole life — build, console
// (KUMO-GUEST-READY and the uuid the guest read from the config drive), stop/start, hard and soft
// reboot, pause/unpause, suspend/resume, snapshot, terminate (no domain, no file left, twice) —
// and failed builds that leave nothing. Domains are kumo-test-agent-*, removed afterwards.
import { randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@kumo/common';
import { DomainState, domainHasManagedSaveImage, isNoDomain, LibvirtClient } from '@kumo/libvirt';
import { GUEST_POWER, type GuestSpec, type StepRunner } from '../../src/drivers/compute-driver';
import { LocalExecutor } from '../../src/drivers/command-executor';
import { LibvirtDriver } from '../../src/drivers/libvirt/libvirt.driver';
import { parseQemuImgInfo } from '../../src/drivers/libvirt/qemu-img';
import { libvirtdAndTinyImage, lockLibvirtd, removeTestDomains, run, TEST_DOMAIN_PREFIX, until } from '../support/libvirt';

const PREFIX = `${TEST_DOMAIN_PREFIX}int-`;
jest.setTimeout(600_000);

const steps: string[] = [];
const step: StepRunner = async (name, fn) => {
  steps.push(name);
  return fn();
};

function spec(over: Partial<GuestSpec> = {}, image: Partial<GuestSpec['image']> = {}): GuestSpec {
  const id = randomUUID();
  return {
    instanceId: id,
    name: `tiny <'&"> ${id.slice(0, 8)}`,
    hostname: `tiny-${id.slice(0, 8)}`,
    projectId: 'p-1',
    userId: 'u-1',
    launchIndex: 0,
    availabilityZone: 'nova',
    flavor: { id: 'tiny', name: 'tiny', vcpus: 1, memoryMb: 256, rootGb: 1, ephemeralGb: 0, swapMb: 0 },
    image: { id: IMAGE_ID, name: 'kumo-tiny', diskFormat: 'qcow2', size: null, minDisk: 0, properties: {}, ...image },
    keyPair: { name: 'k', publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtest k@test', type: 'ssh' },
    userData: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'),
    metadata: { role: 'test' },
    createdAt: new Date().toISOString(),
    ...over,
  };
}
const IMAGE_ID = randomUUID();

const gone = (id: string) => client.domainLookupByUUID(id).then(() => false, (e: unknown) => isNoDomain(e));
let client: LibvirtClient;

describe('LibvirtDriver against libvirtd and QEMU', () => {
  let driver: LibvirtDriver;
  let dir: string;
  let unlock: (() => void) | undefined;
  let image: string;
  let fetches = 0;

  beforeAll(async () => {
    unlock = await lockLibvirtd();
    image = await libvirtdAndTinyImage();
    client = await LibvirtClient.connect({});
    await client.open('qemu:///system');
    await removeTestDomains(client, PREFIX);
    dir = mkdtempSync(join(tmpdir(), 'kumo-test-agent-'));
    chmodSync(dir, 0o755); // QEMU (libvirt-qemu) must reach the disks
    driver = new LibvirtDriver(
      {
        uri: 'qemu:///system',
        instancesPath: join(dir, 'instances'),
        domainPrefix: PREFIX,
        virtType: 'auto',
        machine: 'pc',
        shutdownTimeoutMs: 3_000,
        softRebootWaitMs: 3_000,
        startTimeoutMs: 60_000,
        kvmProbeTimeoutMs: 15_000,
      },
      new LocalExecutor(),
      async (id, path) => {
        fetches++;
        if (id !== IMAGE_ID) throw new Error(`image ${id} not found (fake image service)`);
        copyFileSync(image, path);
      },
      createLogger('compute-agent-test', process.env.KUMO_TEST_LOG ?? 'silent'),
    );
    const started = Date.now();
    await driver.init();
    console.log(`driver init (KVM probe included) ${Date.now() - started} ms: ${driver.virtType.type} — ${driver.virtType.reason}`);
  });

  afterAll(async () => {
    await driver?.close();
    if (client) {
      await removeTestDomains(client, PREFIX);
      await client.close();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => unlock?.()); // after the cleanup above, even when it failed


  it('decides the virt type with a reason and reports the host', async () => {
    const v = driver.virtType;
    expect(['kvm', 'qemu']).toContain(v.type);
    expect(v.reason).toMatch(existsSync('/dev/kvm') ? /probe|KVM guest/ : /no \/dev\/kvm/);
    const facts = await driver.hostFacts();
    expect(facts.vcpus).toBeGreaterThan(0);
    expect(facts.memoryMb).toBeGreaterThan(256);
    expect(facts.localGb).toBeGreaterThan(0);
    expect(facts.hypervisorVersion).toBeGreaterThan(1_000_000);
    expect(JSON.parse(facts.cpuInfo)).toHaveProperty('arch');
    // the probe leaves no domain and no file
    expect((await client.connectListAllDomains(0)).filter((d) => d.name.includes('kvm-probe'))).toEqual([]);
    expect(existsSync(join(dir, 'instances', '_kvm-probe'))).toBe(false);
  });

  it('builds, runs and operates a kumo-tiny guest, then removes every trace of it', async () => {
    const s = spec();
    steps.length = 0;
    const t0 = Date.now();
    await driver.spawn(s, { step });
    const bootMs = Date.now() - t0;
    expect(steps).toEqual(['fetch_image', 'prepare_disk', 'build_config_drive', 'define_domain', 'start_domain', 'wait_for_start']);
    const dom = await client.domainLookupByUUID(s.instanceId);
    expect(dom.name).toBe(`${PREFIX}${s.instanceId}`);
    expect((await client.domainGetState(dom)).state).toBe(DomainState.RUNNING);
    const xml = await client.domainGetXMLDesc(dom);
    expect(xml).toContain(`<kumo:name>tiny &lt;&apos;&amp;&quot;&gt; ${s.instanceId.slice(0, 8)}</kumo:name>`.replace('&apos;', "'").replace('&quot;', '"'));
    // the guest read its uuid and hostname from the config drive
    const readyAt = Date.now();
    const out = await until('guest ready', async () => {
      const o = await driver.consoleOutput(s.instanceId);
      return o.includes(`KUMO-GUEST-UUID ${s.instanceId}`) && o.includes('KUMO-GUEST-DONE') ? o : null;
    }, 180_000);
    console.log(`spawn (fetch + disk + config drive + define + start) ${bootMs} ms, then the guest was done ${Date.now() - readyAt} ms later`);
    expect(out).toMatch(/^KUMO-GUEST-READY /m);
    expect(out).toMatch(/KUMO-GUEST-CONFIG-DRIVE \/dev\/sr0/);
    expect(out).toContain(`KUMO-GUEST-HOSTNAME ${s.hostname}`);
    expect(out).toContain('KUMO-GUEST-KEYS 1');
    expect((await driver.consoleOutput(s.instanceId, 2)).trim().split('\n').length).toBeLessThanOrEqual(2);
    // disk: an overlay of the cached base, sized to the flavor
    const info = parseQemuImgInfo((await run('qemu-img', ['info', '-U', '--output=json', join(dir, 'instances', s.instanceId, 'disk')])).stdout);
    expect(info.backingFile).toBe(join(dir, 'instances', '_base', IMAGE_ID));
    expect(info.virtualSize).toBe(1024 ** 3);
    const guests = await driver.listGuests();
    expect(guests).toContainEqual(expect.objectContaining({ instanceId: s.instanceId, powerState: GUEST_POWER.RUNNING, vcpus: 1, memoryMb: 256, rootGb: 1 }));

    // the tiny guest ignores ACPI: stop destroys it after the shutdown timeout
    expect(await driver.power(s.instanceId, 'stop')).toBe(GUEST_POWER.SHUTDOWN);
    expect((await client.domainGetState(dom)).state).toBe(DomainState.SHUTOFF);
    expect(await driver.power(s.instanceId, 'stop')).toBe(GUEST_POWER.SHUTDOWN); // idempotent
    expect(await driver.power(s.instanceId, 'start')).toBe(GUEST_POWER.RUNNING);
    expect((await client.domainGetState(dom)).state).toBe(DomainState.RUNNING);
    const readies = async () => ((await driver.consoleOutput(s.instanceId)).match(/^KUMO-GUEST-READY /gm) ?? []).length;
    const before = await until('second boot', async () => ((await readies()) >= 2 ? readies() : null), 180_000);
    expect(await driver.power(s.instanceId, 'reboot_hard')).toBe(GUEST_POWER.RUNNING);
    await until('boot after the hard reboot', async () => (await readies()) > before, 180_000);
    expect(await driver.power(s.instanceId, 'reboot_soft')).toBe(GUEST_POWER.RUNNING);
    expect(await driver.power(s.instanceId, 'pause')).toBe(GUEST_POWER.PAUSED);
    expect((await client.domainGetState(dom)).state).toBe(DomainState.PAUSED);
    expect(await driver.power(s.instanceId, 'unpause')).toBe(GUEST_POWER.RUNNING);
    // suspend is a managed save: shut off, memory on disk, restored by resume
    expect(await driver.power(s.instanceId, 'suspend')).toBe(GUEST_POWER.SHUTDOWN);
    expect(await client.domainGetState(dom)).toMatchObject({ state: DomainState.SHUTOFF, reason: 5 }); // VIR_DOMAIN_SHUTOFF_SAVED
    await expect(domainHasManagedSaveImage(client, dom)).resolves.toBe(true);
    expect(await driver.power(s.instanceId, 'resume')).toBe(GUEST_POWER.RUNNING);
    await expect(domainHasManagedSaveImage(client, dom)).resolves.toBe(false);
    expect((await client.domainGetState(dom)).state).toBe(DomainState.RUNNING);

    // snapshot: a standalone qcow2, the guest running again afterwards
    let snapInfo: ReturnType<typeof parseQemuImgInfo> | null = null;
    let uploading = false;
    await driver.snapshot(s.instanceId, {
      onUploading: async () => void (uploading = true),
      upload: async (path) => void (snapInfo = parseQemuImgInfo((await run('qemu-img', ['info', '--output=json', path])).stdout)),
    });
    expect(uploading).toBe(true);
    expect(snapInfo).toMatchObject({ format: 'qcow2', backingFile: null, virtualSize: 1024 ** 3 });
    expect((await client.domainGetState(dom)).state).toBe(DomainState.RUNNING);
    expect(readdirSync(join(dir, 'instances', s.instanceId)).filter((f) => f.startsWith('snapshot'))).toEqual([]);

    await expect(driver.serialConsole(s.instanceId)).resolves.toEqual({ libvirtUri: 'qemu:///system', domainName: dom.name, device: null });

    // suspended again, then terminated: the save image goes with the domain
    expect(await driver.power(s.instanceId, 'suspend')).toBe(GUEST_POWER.SHUTDOWN);
    await driver.destroy(s.instanceId);
    await expect(gone(s.instanceId)).resolves.toBe(true);
    expect(existsSync(join(dir, 'instances', s.instanceId))).toBe(false);
    await expect(driver.destroy(s.instanceId)).resolves.toBeUndefined();
    await expect(driver.powerState(s.instanceId)).rejects.toThrow(/could not be found/);
    expect(fetches).toBe(1);
  });

  it('fails a build with libvirt\'s own message and leaves nothing behind', async () => {
    const s = spec({}, { properties: { hw_machine_type: 'kumo-no-such-machine' } });
    await expect(driver.spawn(s, { step })).rejects.toThrow(/XML error|kumo-no-such-machine/);
    await expect(gone(s.instanceId)).resolves.toBe(true);
    expect(existsSync(join(dir, 'instances', s.instanceId))).toBe(false);

    const missing = spec({}, { id: randomUUID() });
    await expect(driver.spawn(missing, { step })).rejects.toThrow(/not found/);
    expect(existsSync(join(dir, 'instances', missing.instanceId))).toBe(false);
    expect(readdirSync(join(dir, 'instances', '_base'))).toEqual([IMAGE_ID]);
  });

  it('stops a build that was cancelled, leaving nothing', async () => {
    const s = spec();
    const ac = new AbortController();
    const aborting: StepRunner = async (name, fn) => {
      const v = await fn();
      if (name === 'build_config_drive') ac.abort();
      return v;
    };
    await expect(driver.spawn(s, { step: aborting, signal: ac.signal })).rejects.toThrow(/cancelled/);
    await expect(gone(s.instanceId)).resolves.toBe(true);
    expect(existsSync(join(dir, 'instances', s.instanceId))).toBe(false);
  });
});
