// Against the real libvirtd and QEMU (qemu:///system, TCG): a tiny domain without a disk for the
// lifecycle, its events and live/persistent device attach and detach; the kumo-tiny guest image
// (tools/guest-image) for the console stream and the reboot event. Every domain is kumo-test-*
// and removed afterwards; disk files live in a temporary directory QEMU can read.
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LibvirtClient } from '../src/client';
import { isOperationInvalid } from '../src/errors';
import type { DomainDeviceEvent, DomainLifecycleEvent } from '../src/events';
import type { Domain } from '../src/domain';
import type { LibvirtStream } from '../src/stream';
import {
  DomainEventID,
  DomainModificationImpact,
  DomainState,
  DomainXMLFlags,
} from '../src/generated/constants';
import { consoleText, kumoTinyImage } from '../../testing/src/libvirtd';
import {
  connectedClient,
  ensureLibvirtd,
  lockLibvirtd,
  nextEvent,
  rejection,
  removeTestDomains,
  uniqueName,
} from './support/libvirtd';

jest.setTimeout(300_000);

const tinyXml = (name: string, disk = '') => `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>${disk ? 256 : 64}</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <controller type='scsi' model='virtio-scsi'/>
    ${disk}
    <serial type='pty'/>
    <console type='pty'/>
    <video><model type='none'/></video>
    <memballoon model='none'/>
  </devices>
</domain>`;

const diskXml = (file: string, dev: string) =>
  `<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${file}'/><target dev='${dev}' bus='scsi'/></disk>`;

/** Reads a stream into a growing string; `until` waits for a pattern in it. */
function collect(stream: LibvirtStream) {
  const out = consoleText();
  stream.on('data', (c: Buffer) => out.append(c.toString('latin1')));
  return out;
}

describe('LibvirtClient against libvirtd (qemu:///system)', () => {
  let client: LibvirtClient;
  let dir: string;
  const lifecycle: DomainLifecycleEvent[] = [];
  const eventsOf = (name: string) =>
    lifecycle.filter((e) => e.domain.name === name).map((e) => `${e.eventName}:${e.detailName}`);
  const waitLifecycle = (name: string, what: string) =>
    nextEvent<DomainLifecycleEvent>(
      client,
      'lifecycle',
      (e) => e.domain.name === name && `${e.eventName}:${e.detailName}` === what,
      60_000,
    );

  let unlock: (() => void) | undefined;

  beforeAll(async () => {
    unlock = await lockLibvirtd();
    await ensureLibvirtd();
    client = await connectedClient('qemu:///system');
    await removeTestDomains(client);
    dir = mkdtempSync(join(tmpdir(), 'kumo-test-libvirt-'));
    chmodSync(dir, 0o755); // QEMU runs as libvirt-qemu and must reach the disk files
    for (const id of [
      DomainEventID.LIFECYCLE,
      DomainEventID.REBOOT,
      DomainEventID.DEVICE_ADDED,
      DomainEventID.DEVICE_REMOVED,
    ]) {
      await client.domainEventRegister(id);
    }
    client.on('lifecycle', (e) => lifecycle.push(e));
  });

  afterAll(async () => {
    if (client && !client.closed) {
      await removeTestDomains(client);
      await client.close();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => unlock?.()); // after the cleanup above, even when it failed

  it('defines, starts, suspends, resumes, destroys and undefines a tiny domain, with its lifecycle events', async () => {
    const name = uniqueName('qemu');
    const dom = await client.domainDefineXML(tinyXml(name));
    const started = waitLifecycle(name, 'STARTED:BOOTED');
    const running = await client.domainCreate(dom);
    await started;
    expect(running.id).toBeGreaterThan(0);
    expect(await client.domainGetState(running)).toMatchObject({ state: DomainState.RUNNING });
    expect(await client.domainGetInfo(running)).toMatchObject({
      state: DomainState.RUNNING,
      maxMemKiB: 65536,
      nrVirtCpu: 1,
    });
    expect(await client.domainGetXMLDesc(running)).toMatch(/<domain type='qemu' id='\d+'>/);

    const suspended = waitLifecycle(name, 'SUSPENDED:PAUSED');
    await client.domainSuspend(running);
    await suspended;
    expect((await client.domainGetState(running)).state).toBe(DomainState.PAUSED);
    const resumed = waitLifecycle(name, 'RESUMED:UNPAUSED');
    await client.domainResume(running);
    await resumed;

    // no guest OS answers ACPI: the request is accepted and the domain keeps running
    await client.domainShutdown(running);
    expect((await client.domainGetState(running)).state).toBe(DomainState.RUNNING);

    const stopped = waitLifecycle(name, 'STOPPED:DESTROYED');
    await client.domainDestroy(running);
    await stopped;
    expect(isOperationInvalid(await rejection(client.domainSuspend(dom)))).toBe(true);
    const undefined_ = waitLifecycle(name, 'UNDEFINED:REMOVED');
    await client.domainUndefine(dom);
    await undefined_;
    // in this order; QEMU adds others between them (RESUMED:UNPAUSED as it leaves its start-up
    // pause, SHUTDOWN:HOST when destroy's SIGTERM reaches it)
    const seen = eventsOf(name);
    const want = [
      'DEFINED:ADDED',
      'STARTED:BOOTED',
      'SUSPENDED:PAUSED',
      'RESUMED:UNPAUSED',
      'STOPPED:DESTROYED',
      'UNDEFINED:REMOVED',
    ];
    let at = -1;
    for (const w of want) {
      const next = seen.indexOf(w, at + 1);
      expect({ event: w, after: seen.slice(0, at + 1), found: next > at }).toMatchObject({ found: true });
      at = next;
    }
  });

  it('attaches and detaches a disk live (device events) and in the persistent definition', async () => {
    const name = uniqueName('dev');
    const file = join(dir, `${name}.img`);
    writeFileSync(file, Buffer.alloc(1 << 20));
    const dom = await client.domainCreate(await client.domainDefineXML(tinyXml(name)));
    const live = () => client.domainGetXMLDesc(dom);
    const config = () => client.domainGetXMLDesc(dom, DomainXMLFlags.INACTIVE);

    const added = nextEvent<DomainDeviceEvent>(client, 'deviceAdded', (e) => e.domain.name === name);
    await client.domainAttachDeviceFlags(dom, diskXml(file, 'sdb'), DomainModificationImpact.LIVE);
    const alias = (await added).devAlias;
    expect(alias).toMatch(/scsi/);
    expect(await live()).toContain(`<target dev='sdb' bus='scsi'/>`);
    expect(await config()).not.toContain(`dev='sdb'`);

    const removed = nextEvent<DomainDeviceEvent>(client, 'deviceRemoved', (e) => e.domain.name === name);
    await client.domainDetachDeviceFlags(dom, diskXml(file, 'sdb'), DomainModificationImpact.LIVE);
    expect((await removed).devAlias).toBe(alias);
    expect(await live()).not.toContain(`dev='sdb'`);

    await client.domainAttachDeviceFlags(dom, diskXml(file, 'sdc'), DomainModificationImpact.CONFIG);
    expect(await config()).toContain(`<target dev='sdc' bus='scsi'/>`);
    expect(await live()).not.toContain(`dev='sdc'`);
    await client.domainDetachDeviceFlags(dom, diskXml(file, 'sdc'), DomainModificationImpact.CONFIG);
    expect(await config()).not.toContain(`dev='sdc'`);

    await client.domainDestroy(dom);
    await client.domainUndefine(dom);
  });

  it("reads and writes the guest's serial console as a stream, and sees the guest's reboot as an event", async () => {
    const image = await kumoTinyImage();
    const name = uniqueName('console');
    const disk = join(dir, `${name}.qcow2`);
    copyFileSync(image, disk); // a copy: QEMU may write to it, and .stack/ is not readable by QEMU's user
    const xml = tinyXml(
      name,
      `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk>`,
    );
    const dom: Domain = await client.domainCreate(await client.domainDefineXML(xml));
    const console_ = await client.domainOpenConsole(dom, null, 0);
    const streamErrors: Error[] = [];
    console_.on('error', (e) => streamErrors.push(e));
    const out = collect(console_);
    try {
      const done = await out.until(/KUMO-GUEST-DONE/, 180_000);
      // the root shell on ttyS0: what it prints (42), not what it echoes ($((6*7))), proves the round trip
      console_.write('\recho kumo-$((6*7))-ok\r');
      await out.until(/kumo-42-ok/, 30_000, done);

      const rebooted = nextEvent<{ domain: Domain }>(client, 'reboot', (e) => e.domain.name === name, 60_000);
      console_.write('reboot -f\r');
      await rebooted;
      await out.until(/KUMO-GUEST-READY/, 120_000, done); // the stream carries on across the guest's reboot
    } finally {
      // libvirtd does not end a console stream when the domain stops (virsh watches the lifecycle
      // events): the client finishes it, and libvirtd confirms
      const finished = new Promise((resolve) => console_.once('finish', resolve));
      console_.end();
      await finished;
      await client.domainDestroy(dom).catch(() => undefined);
      await client.domainUndefine(dom);
    }
    expect(streamErrors).toEqual([]);
  });
});
