// Against the real libvirtd with its test driver (test:///default: in-daemon state, no QEMU):
// the connection (unix rw and ro sockets, TCP through a loopback relay), host calls, a domain's
// whole lifecycle with its events, typed errors, concurrency and keepalive.
import { createServer, createConnection, type Server } from 'node:net';
import { randomUUID } from 'node:crypto';
import { LibvirtClient } from '../src/client';
import { isNoDomain, isOperationInvalid, isXmlError, hasErrorCode } from '../src/errors';
import type { DomainLifecycleEvent } from '../src/events';
import {
  ConnectListAllDomainsFlags,
  DomainEventID,
  DomainEventType,
  DomainState,
  DomainXMLFlags,
  ErrorNumber,
} from '../src/generated/constants';
import {
  connectedClient,
  ensureLibvirtd,
  lockLibvirtd,
  rejection,
  removeTestDomains,
  uniqueName,
} from './support/libvirtd';

const URI = 'test:///default';
const domainXml = (name: string, uuid = randomUUID()) =>
  `<domain type='test'><name>${name}</name><uuid>${uuid}</uuid><memory unit='MiB'>64</memory>` +
  `<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>`;

jest.setTimeout(60_000);

describe('LibvirtClient against libvirtd (test:///default)', () => {
  let client: LibvirtClient;

  let unlock: (() => void) | undefined;

  beforeAll(async () => {
    unlock = await lockLibvirtd();
    await ensureLibvirtd();
    client = await connectedClient(URI);
    await removeTestDomains(client);
  });

  afterAll(async () => {
    if (client && !client.closed) {
      await removeTestDomains(client);
      await client.close();
    }
  });
  afterAll(() => unlock?.()); // after the cleanup above, even when it failed

  it('answers the host calls', async () => {
    expect(await client.connectGetUri()).toBe(URI);
    expect((await client.connectGetHostname()).length).toBeGreaterThan(0);
    const lib = await client.connectGetLibVersion();
    expect(lib.major).toBeGreaterThanOrEqual(6);
    expect(lib.number).toBe(lib.major * 1e6 + lib.minor * 1e3 + lib.micro);
    // the test driver's fixed node
    expect(await client.nodeGetInfo()).toMatchObject({ model: 'i686', cpus: 16, mhz: 1400, nodes: 2 });
    expect(await client.connectGetCapabilities()).toMatch(/<capabilities>[\s\S]*<guest>/);
  });

  it("runs a domain's lifecycle: define, start, suspend, resume, shutdown, start, reboot, destroy, undefine — with its events", async () => {
    const name = uniqueName('life');
    const uuid = randomUUID();
    const events: DomainLifecycleEvent[] = [];
    const callbackID = await client.domainEventRegister(DomainEventID.LIFECYCLE);
    const onEvent = (e: DomainLifecycleEvent) => e.domain.name === name && events.push(e);
    client.on('lifecycle', onEvent);
    try {
      const defined = await client.domainDefineXML(domainXml(name, uuid));
      expect(defined).toEqual({ name, uuid, id: -1 });
      expect(await client.domainLookupByUUID(uuid)).toEqual(defined);
      expect(await client.domainLookupByName(name)).toEqual(defined);
      const inactive = await client.connectListAllDomains(ConnectListAllDomainsFlags.INACTIVE);
      expect(inactive.map((d) => d.name)).toContain(name);
      expect(await client.domainGetState(defined)).toMatchObject({
        state: DomainState.SHUTOFF,
        stateName: 'SHUTOFF',
      });

      const running = await client.domainCreate(defined);
      expect(running.id).toBeGreaterThan(0);
      expect(await client.domainIsActive(running)).toBe(true);
      const info = await client.domainGetInfo(running);
      expect(info).toMatchObject({ state: DomainState.RUNNING, maxMemKiB: 65536, nrVirtCpu: 1 });
      expect(typeof info.cpuTimeNs).toBe('bigint');
      const active = await client.connectListAllDomains(ConnectListAllDomainsFlags.ACTIVE);
      expect(active.map((d) => d.name)).toContain(name);
      expect(await client.domainGetXMLDesc(running)).toContain(`<uuid>${uuid}</uuid>`);
      expect(await client.domainGetXMLDesc(running, DomainXMLFlags.INACTIVE)).toContain(
        `<name>${name}</name>`,
      );

      await client.domainSuspend(running);
      expect((await client.domainGetState(running)).state).toBe(DomainState.PAUSED);
      await client.domainResume(running);
      expect((await client.domainGetState(running)).state).toBe(DomainState.RUNNING);
      await client.domainShutdown(running);
      expect((await client.domainGetState(running)).state).toBe(DomainState.SHUTOFF);
      const again = await client.domainCreate(defined);
      // the test driver reboots in place (no event; the reboot event is tested with QEMU)
      await client.domainReboot(again);
      expect(await client.domainGetState(again)).toMatchObject({ state: DomainState.RUNNING });
      await client.domainDestroy(again);
      await client.domainUndefine(again);
      expect(isNoDomain(await rejection(client.domainLookupByUUID(uuid)))).toBe(true);

      const seen = () => events.map((e) => `${e.eventName}:${e.detailName}`);
      const want = [
        'DEFINED:ADDED',
        'STARTED:BOOTED',
        'SUSPENDED:PAUSED',
        'RESUMED:UNPAUSED',
        'STOPPED:SHUTDOWN',
        'STARTED:BOOTED',
        'STOPPED:DESTROYED',
        'UNDEFINED:REMOVED',
      ];
      for (let i = 0; i < 50 && !want.every((w) => seen().includes(w)); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(seen().filter((s) => want.includes(s))).toEqual(want);
      expect(events.every((e) => e.callbackID === callbackID && e.domain.uuid === uuid)).toBe(true);
    } finally {
      client.off('lifecycle', onEvent);
      await client.domainEventDeregister(callbackID);
    }
  });

  it('iterates events asynchronously, and delivers none after deregistering', async () => {
    const name = uniqueName('iter');
    const callbackID = await client.domainEventRegister(DomainEventID.LIFECYCLE);
    const ac = new AbortController();
    const got: string[] = [];
    const consumer = (async () => {
      for await (const e of client.events('lifecycle', ac.signal)) {
        if (e.domain.name !== name) continue;
        got.push(DomainEventType[e.event]);
        if (got.length === 2) ac.abort();
      }
    })();
    const dom = await client.domainDefineXML(domainXml(name));
    await client.domainCreate(dom);
    await consumer;
    expect(got).toEqual(['DEFINED', 'STARTED']);

    await client.domainEventDeregister(callbackID);
    const late: unknown[] = [];
    const onLate = (e: DomainLifecycleEvent) => e.domain.name === name && late.push(e);
    client.on('lifecycle', onLate);
    await client.domainDestroy(dom);
    await client.domainUndefine(dom);
    await new Promise((r) => setTimeout(r, 300));
    client.off('lifecycle', onLate);
    expect(late).toEqual([]);
  });

  it('answers errors as typed values', async () => {
    const missing = await client.domainLookupByName(uniqueName('missing')).catch((e: unknown) => e);
    expect(isNoDomain(missing)).toBe(true);
    expect(missing).toMatchObject({ code: ErrorNumber.NO_DOMAIN, codeName: 'NO_DOMAIN' });

    const dom = await client.domainDefineXML(domainXml(uniqueName('err')));
    expect(isOperationInvalid(await rejection(client.domainDestroy(dom)))).toBe(true);
    expect(isXmlError(await rejection(client.domainDefineXML('<domain type=')))).toBe(true);
    // a second definition of the name with another UUID (the test driver says OPERATION_FAILED)
    const dup = await rejection(client.domainDefineXML(domainXml(dom.name)));
    expect(dup).toMatchObject({
      code: ErrorNumber.OPERATION_FAILED,
      message: expect.stringMatching(/already exists/),
    });
    await expect(client.domainLookupByUUID('not-a-uuid')).rejects.toMatchObject({
      code: ErrorNumber.INVALID_ARG,
    });
    await client.domainUndefine(dom);
  });

  it('matches 64 concurrent calls to their replies', async () => {
    const names = Array.from({ length: 8 }, (_, i) => uniqueName(`conc${i}`));
    const doms = await Promise.all(names.map((n) => client.domainDefineXML(domainXml(n))));
    const lookups = await Promise.all(
      Array.from({ length: 64 }, (_, i) => client.domainLookupByName(names[i % names.length])),
    );
    lookups.forEach((d, i) => expect(d.uuid).toBe(doms[i % doms.length].uuid));
    await Promise.all(doms.map((d) => client.domainUndefine(d)));
  });

  it('opens the read-only socket: reads work, writes are denied', async () => {
    const ro = await LibvirtClient.connect({ readOnly: true });
    try {
      await ro.open(URI);
      expect(await ro.connectGetUri()).toBe(URI);
      const denied = await rejection(ro.domainDefineXML(domainXml(uniqueName('ro'))));
      expect(hasErrorCode(denied, ErrorNumber.OPERATION_DENIED)).toBe(true);
    } finally {
      await ro.close();
    }
  });

  it('dials TCP (here through a loopback relay to the unix socket: libvirtd listens on TCP only with --listen)', async () => {
    const relay: Server = createServer((c) => {
      const up = createConnection({ path: '/var/run/libvirt/libvirt-sock' });
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const { port } = relay.address() as { port: number };
    const tcp = await LibvirtClient.connect({ host: '127.0.0.1', port });
    try {
      await tcp.open(URI);
      expect(await tcp.connectGetHostname()).toBe(await client.connectGetHostname());
    } finally {
      await tcp.close();
      await new Promise((r) => relay.close(r));
    }
    await expect(LibvirtClient.connect({ host: '127.0.0.1', port })).rejects.toMatchObject({
      name: 'LibvirtConnectionError',
      message: expect.stringMatching(/tcp:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED/),
    });
  });

  it("answers libvirtd's keepalive PINGs on an idle connection (libvirtd pings after 5 s of silence)", async () => {
    const idle = await connectedClient(URI);
    try {
      const deadline = Date.now() + 15_000;
      while (idle.rpc.stats.pongsSent === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      expect(idle.rpc.stats.pingsReceived).toBeGreaterThan(0);
      expect(idle.rpc.stats.pongsSent).toBe(idle.rpc.stats.pingsReceived);
      expect(await idle.connectGetUri()).toBe(URI);
    } finally {
      await idle.close();
    }
  });
});
