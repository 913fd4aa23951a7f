// ReconnectingLibvirt against a real libvirtd that is stopped (SIGTERM) and started again while
// a QEMU domain runs: the client notices, fails calls on the dead connection with a typed error,
// re-dials with backoff, re-opens qemu:///system, registers its event callbacks again, and the
// domain's events keep arriving. libvirtd is left running.
import { randomUUID } from 'node:crypto';
import { ReconnectingLibvirt } from '../src/reconnecting';
import type { LibvirtClient } from '../src/client';
import { isConnectionError, LibvirtConnectionError } from '../src/errors';
import type { DomainLifecycleEvent } from '../src/events';
import { DomainEventID, DomainState } from '../src/generated/constants';
import {
  connectedClient,
  ensureLibvirtd,
  lockLibvirtd,
  libvirtdPid,
  nextEvent,
  rejection,
  removeTestDomains,
  stopLibvirtd,
  uniqueName,
} from './support/libvirtd';

jest.setTimeout(120_000);

const tinyXml = (name: string) => `<domain type='qemu'><name>${name}</name><uuid>${randomUUID()}</uuid>
  <memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><video><model type='none'/></video><memballoon model='none'/></devices></domain>`;

describe('ReconnectingLibvirt across a libvirtd restart', () => {
  let rl: ReconnectingLibvirt | undefined;

  let unlock: (() => void) | undefined;

  beforeAll(async () => {
    unlock = await lockLibvirtd();
    await ensureLibvirtd();
  });

  afterAll(async () => {
    await rl?.stop();
    await ensureLibvirtd();
    const c = await connectedClient('qemu:///system');
    await removeTestDomains(c);
    await c.close();
  });
  afterAll(() => unlock?.()); // after the cleanup above, even when it failed

  it('re-dials, re-opens the URI and re-registers its events; calls on the lost connection fail typed', async () => {
    rl = new ReconnectingLibvirt({
      connect: {},
      uri: 'qemu:///system',
      events: [{ eventId: DomainEventID.LIFECYCLE }],
      initialDelayMs: 100,
      maxDelayMs: 1000,
    });
    const failures: number[] = [];
    rl.on('connectFailed', (_err, attempt) => failures.push(attempt));
    const first = await rl.start();
    const name = uniqueName('reconnect');
    const isEvent = (what: string) => (e: DomainLifecycleEvent) =>
      e.domain.name === name && `${e.eventName}:${e.detailName}` === what;

    const started = nextEvent<DomainLifecycleEvent>(rl, 'lifecycle', isEvent('STARTED:BOOTED'));
    const dom = await first.domainCreate(await first.domainDefineXML(tinyXml(name)));
    await started;

    const pid = libvirtdPid();
    const disconnected = nextEvent<Error>(rl, 'disconnected', () => true, 30_000);
    const reconnected = nextEvent<LibvirtClient>(rl, 'reconnected', () => true, 60_000);
    await stopLibvirtd();
    expect(isConnectionError(await disconnected)).toBe(true);
    expect(rl.connected).toBe(false);
    expect(() => rl!.client).toThrow(LibvirtConnectionError);
    expect(isConnectionError(await rejection(first.connectGetHostname()))).toBe(true);
    const waiting = rl.ready(); // resolves once a connection is up again

    await ensureLibvirtd();
    expect(libvirtdPid()).not.toBe(pid);
    const second = await reconnected;
    expect(failures.length).toBeGreaterThan(0); // it dialed while libvirtd was down, and backed off
    expect(second).not.toBe(first);
    await expect(waiting).resolves.toBe(second);
    expect(rl.client).toBe(second);
    expect(rl.connections).toBe(2);
    expect(second.uri).toBe('qemu:///system');
    expect(second.eventRegistrations().map((r) => r.eventId)).toEqual([DomainEventID.LIFECYCLE]);

    // QEMU ran on while libvirtd was away; its events reach the reconnected client
    expect((await second.domainGetState(dom)).state).toBe(DomainState.RUNNING);
    const stopped = nextEvent<DomainLifecycleEvent>(rl, 'lifecycle', isEvent('STOPPED:DESTROYED'));
    await second.domainDestroy(dom);
    await stopped;
    const undefined_ = nextEvent<DomainLifecycleEvent>(rl, 'lifecycle', isEvent('UNDEFINED:REMOVED'));
    await second.domainUndefine(dom);
    await undefined_;
    await rl.stop();
    expect(rl.connected).toBe(false);
  });

  it('drops a libvirtd that stops answering (keepalive) and reconnects once it answers again', async () => {
    const pid = libvirtdPid();
    if (pid === null) throw new Error('libvirtd is not running');
    rl = new ReconnectingLibvirt({
      connect: { keepalive: { intervalMs: 200, count: 2 } },
      uri: 'qemu:///system',
      initialDelayMs: 100,
      maxDelayMs: 500,
    });
    let failed = 0;
    rl.on('connectFailed', () => failed++);
    await rl.start();
    const disconnected = nextEvent<Error>(rl, 'disconnected', () => true, 10_000);
    const reconnected = nextEvent<LibvirtClient>(rl, 'reconnected', () => true, 30_000);
    process.kill(pid, 'SIGSTOP');
    try {
      expect((await disconnected).message).toMatch(/did not answer 2 keepalive pings/);
      // the kernel still accepts connections for the stopped daemon: keepalive ends those handshakes too
      const deadline = Date.now() + 10_000;
      while (failed < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(failed).toBeGreaterThan(0);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(await (await reconnected).connectGetUri()).toBe('qemu:///system');
    await rl.stop();
  });
});
