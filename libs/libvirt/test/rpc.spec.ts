import { FakeLibvirtd, writeDomain, writeError } from './support/fake-libvirtd';
import { LibvirtClient } from '../src/client';
import { isConnectionError, isNoDomain, isAuthFailed, LibvirtError } from '../src/errors';
import { DomainEventID, DomainEventType, ErrorDomain, ErrorNumber } from '../src/generated/constants';
import {
  AuthType,
  KEEPALIVE_PROGRAM,
  KeepaliveProcedure,
  MessageStatus,
  MessageType,
  Procedure,
  REMOTE_PROGRAM,
} from '../src/generated/types';
import { XdrReader } from '../src/xdr';

const UUID = '6695eb01f6a4830479aa97f2502e193f';
const dom = { name: 'kumo-test-a', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', id: 3 };

async function connected(
  fake: FakeLibvirtd,
  auth: AuthType[] = [],
  keepalive: false | { intervalMs: number; count: number } = false,
) {
  const pending = LibvirtClient.connect({ socketPath: fake.socketPath, keepalive });
  const list = await fake.call(Procedure.AUTH_LIST);
  fake.reply(list, (w) => w.array(auth, 20, (w, a) => w.int(a)));
  if (auth.includes(AuthType.POLKIT) && !auth.includes(AuthType.NONE)) {
    fake.reply(await fake.call(Procedure.AUTH_POLKIT), (w) => w.int(1));
  }
  return pending;
}

describe('RPC over a scripted peer', () => {
  let fake: FakeLibvirtd;
  let client: LibvirtClient | undefined;
  beforeEach(async () => {
    fake = await FakeLibvirtd.start();
  });
  afterEach(async () => {
    await client?.rpc.close();
    client = undefined;
    await fake.stop();
  });

  it('matches replies to calls by serial when they come back out of order', async () => {
    client = await connected(fake);
    const host = client.connectGetHostname();
    const uri = client.connectGetUri();
    const hostCall = await fake.call(Procedure.CONNECT_GET_HOSTNAME);
    const uriCall = await fake.call(Procedure.CONNECT_GET_URI);
    expect(uriCall.header.serial).not.toBe(hostCall.header.serial);
    fake.reply(uriCall, (w) => w.string('qemu:///system', 100));
    fake.reply(hostCall, (w) => w.string('node-1', 100));
    await expect(uri).resolves.toBe('qemu:///system');
    await expect(host).resolves.toBe('node-1');
  });

  it('sends calls with the remote program, version 1, type CALL and status OK', async () => {
    client = await connected(fake);
    void client.domainLookupByName('kumo-test-a').catch(() => undefined);
    const call = await fake.call(Procedure.DOMAIN_LOOKUP_BY_NAME);
    expect(call.header).toMatchObject({
      prog: REMOTE_PROGRAM,
      vers: 1,
      type: MessageType.CALL,
      status: MessageStatus.OK,
    });
    expect(new XdrReader(call.payload).string(100)).toBe('kumo-test-a');
    fake.reply(call, (w) => writeDomain(w, 'kumo-test-a', UUID, -1));
  });

  it('turns an error reply into a LibvirtError with code, domain and message', async () => {
    client = await connected(fake);
    const lookup = client.domainLookupByName('nope');
    fake.replyError(
      await fake.call(Procedure.DOMAIN_LOOKUP_BY_NAME),
      ErrorNumber.NO_DOMAIN,
      ErrorDomain.QEMU,
      "Domain not found: no domain with matching name 'nope'",
    );
    const err = await lookup.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibvirtError);
    expect(isNoDomain(err)).toBe(true);
    expect(err).toMatchObject({
      code: ErrorNumber.NO_DOMAIN,
      domain: ErrorDomain.QEMU,
      codeName: 'NO_DOMAIN',
      domainName: 'QEMU',
    });
    expect((err as Error).message).toMatch(/no domain with matching name/);
  });

  it('fails a reply with bytes its type does not have as a protocol error, and goes on', async () => {
    client = await connected(fake);
    const host = client.connectGetHostname();
    fake.reply(await fake.call(Procedure.CONNECT_GET_HOSTNAME), (w) => w.string('x', 9).int(7));
    await expect(host).rejects.toMatchObject({ name: 'LibvirtProtocolError', code: ErrorNumber.RPC });
    const again = client.connectGetHostname();
    fake.reply(await fake.call(Procedure.CONNECT_GET_HOSTNAME), (w) => w.string('y', 9));
    await expect(again).resolves.toBe('y');
  });

  it('polkit: asks AUTH_POLKIT when it is the only method; SASL alone is refused with a typed error', async () => {
    client = await connected(fake, [AuthType.POLKIT]);
    expect(fake.received.some((m) => m.header.proc === Procedure.AUTH_POLKIT)).toBe(true);
    await client.rpc.close();
    const sasl = LibvirtClient.connect({ socketPath: fake.socketPath });
    fake.reply(await fake.call(Procedure.AUTH_LIST), (w) => w.array([AuthType.SASL], 20, (w, a) => w.int(a)));
    const err = await sasl.catch((e: unknown) => e);
    expect(isAuthFailed(err)).toBe(true);
    expect((err as LibvirtError).code).toBe(ErrorNumber.AUTH_UNAVAILABLE);
  });

  it('delivers pushed lifecycle events of registered callbacks, typed', async () => {
    client = await connected(fake);
    const reg = client.domainEventRegister(DomainEventID.LIFECYCLE);
    const call = await fake.call(Procedure.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY);
    const r = new XdrReader(call.payload);
    expect(r.int()).toBe(DomainEventID.LIFECYCLE);
    expect(r.bool()).toBe(false); // every domain
    fake.reply(call, (w) => w.int(7));
    await expect(reg).resolves.toBe(7);
    const got = new Promise((resolve) => client!.once('lifecycle', resolve));
    const push = (callbackID: number) =>
      fake.send(
        { type: MessageType.MESSAGE, proc: Procedure.DOMAIN_EVENT_CALLBACK_LIFECYCLE, serial: 0 },
        (w) => {
          w.int(callbackID);
          writeDomain(w, 'kumo-test-a', UUID, 3);
          w.int(DomainEventType.STARTED).int(0);
        },
      );
    push(99); // not ours: dropped
    push(7);
    await expect(got).resolves.toEqual({
      callbackID: 7,
      domain: dom,
      event: DomainEventType.STARTED,
      eventName: 'STARTED',
      detail: 0,
      detailName: 'BOOTED',
    });
  });

  it('answers keepalive PINGs with PONGs', async () => {
    client = await connected(fake);
    fake.send({ prog: KEEPALIVE_PROGRAM, proc: KeepaliveProcedure.PING, type: MessageType.MESSAGE });
    const pong = await fake.next((m) => m.header.prog === KEEPALIVE_PROGRAM);
    expect(pong.header).toMatchObject({
      proc: KeepaliveProcedure.PONG,
      type: MessageType.MESSAGE,
      serial: 0,
    });
    expect(client.rpc.stats.pongsSent).toBe(1);
  });

  it('pings an idle peer and drops it after `count` unanswered pings; waiting calls fail typed', async () => {
    client = await connected(fake);
    client.rpc.startKeepalive({ intervalMs: 40, count: 2 });
    const waiting = client.connectGetHostname();
    await fake.next((m) => m.header.prog === KEEPALIVE_PROGRAM && m.header.proc === KeepaliveProcedure.PING);
    const err = await waiting.catch((e: unknown) => e);
    expect(isConnectionError(err)).toBe(true);
    expect((err as Error).message).toMatch(/did not answer 2 keepalive pings/);
    expect(client.rpc.stats.pingsSent).toBe(2);
    await expect(client.connectGetHostname()).rejects.toMatchObject({ code: ErrorNumber.NO_CONNECT });
  });

  it('fails every waiting call with a connection error when the peer goes away', async () => {
    client = await connected(fake);
    const closed = new Promise((resolve) =>
      client!.once('close', (err, expected) => resolve({ err, expected })),
    );
    const a = client.connectGetHostname();
    const b = client.connectGetCapabilities();
    await fake.call(Procedure.CONNECT_GET_CAPABILITIES);
    fake.dropClients();
    for (const p of [a, b]) await expect(p).rejects.toMatchObject({ name: 'LibvirtConnectionError' });
    await expect(closed).resolves.toMatchObject({ expected: false });
  });

  it('drops the connection on a frame with an impossible length', async () => {
    client = await connected(fake);
    const waiting = client.connectGetHostname();
    fake.writeRaw(Buffer.from('00000004', 'hex'));
    await expect(waiting).rejects.toThrow(/broke the protocol: bad message length 4/);
  });

  it('routes stream packets by serial: data, then the end; writes go out as STREAM CONTINUE', async () => {
    client = await connected(fake);
    const opening = client.domainOpenConsole(dom, 'serial0', 0);
    const call = await fake.call(Procedure.DOMAIN_OPEN_CONSOLE);
    fake.reply(call);
    const stream = await opening;
    const serial = call.header.serial;
    const sendData = (data: string) =>
      fake.send(
        {
          type: MessageType.STREAM,
          proc: Procedure.DOMAIN_OPEN_CONSOLE,
          serial,
          status: MessageStatus.CONTINUE,
        },
        (w) => w.raw(Buffer.from(data)),
      );
    const chunks: string[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c.toString()));
    const ended = new Promise((resolve) => stream.once('end', resolve));
    stream.write('ls\r');
    const written = await fake.next((m) => m.header.type === MessageType.STREAM);
    expect(written.header).toMatchObject({
      serial,
      proc: Procedure.DOMAIN_OPEN_CONSOLE,
      status: MessageStatus.CONTINUE,
    });
    expect(written.payload.toString()).toBe('ls\r');
    sendData('hello ');
    sendData('world');
    fake.send({
      type: MessageType.STREAM,
      proc: Procedure.DOMAIN_OPEN_CONSOLE,
      serial,
      status: MessageStatus.OK,
    });
    await ended;
    expect(chunks.join('')).toBe('hello world');
    stream.end();
    const finish = await fake.next(
      (m) => m.header.type === MessageType.STREAM && m.header.status === MessageStatus.OK,
    );
    expect(finish.payload.length).toBe(0);
    fake.send({
      type: MessageType.REPLY,
      proc: Procedure.DOMAIN_OPEN_CONSOLE,
      serial,
      status: MessageStatus.OK,
    });
    await new Promise((resolve) => stream.once('finish', resolve));
  });

  it('destroys a stream with the LibvirtError libvirtd sent', async () => {
    client = await connected(fake);
    const opening = client.domainOpenConsole(dom);
    const call = await fake.call(Procedure.DOMAIN_OPEN_CONSOLE);
    fake.reply(call);
    const stream = await opening;
    const failed = new Promise((resolve) => stream.once('error', resolve));
    fake.send(
      {
        type: MessageType.STREAM,
        proc: Procedure.DOMAIN_OPEN_CONSOLE,
        serial: call.header.serial,
        status: MessageStatus.ERROR,
      },
      (w) => writeError(w, ErrorNumber.OPERATION_FAILED, ErrorDomain.STREAMS, 'console closed'),
    );
    await expect(failed).resolves.toMatchObject({
      code: ErrorNumber.OPERATION_FAILED,
      message: 'console closed',
    });
  });
});
