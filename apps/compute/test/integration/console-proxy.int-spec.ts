// The serial console proxy against the real libvirtd and QEMU (qemu:///system, TCG): a kumo-tiny
// guest (tools/guest-image, built when missing), a token in MariaDB as the API stores it, an agent
// double on the in-memory bus answering computeAgent.getSerialConsole with the domain's location,
// and `ws` as the browser. Typing reaches the guest's shell; a token opens one connection, an
// expired or unknown one none; the domain stopping, the client leaving, another session taking the
// console and a domain that is not there each end the session with a reason. Domains are
// kumo-test-console-*, removed afterwards.
import { randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, NotFound } from '@kumo/common';
import { type Domain, LibvirtClient } from '@kumo/libvirt';
import { type Handlers, InMemoryBroker } from '@kumo/messaging';
import { consoleText, createTestDatabase, type TestDatabase } from '@kumo/testing';
import WebSocket from 'ws';
import { libvirtdAndTinyImage, lockLibvirtd, removeDomains } from '../support/console-libvirt';
import { ConsoleProxy } from '../../src/console/console-proxy';
import { COMPUTE_ENTITIES } from '../../src/db/entities';
import { COMPUTE_MIGRATIONS } from '../../src/db/migrations';
import { ConsoleAuthTokenRepository } from '../../src/db/repositories/console-auth-token.repository';
import { computeAgent } from '../../src/rpc';
import { consoleUrl, hashConsoleToken, newConsoleToken } from '../../src/services/console-tokens';

const PREFIX = 'kumo-test-console-';
const HOST = 'console-host';
jest.setTimeout(600_000);

const tinyXml = (name: string, uuid: string, disk: string) => `<domain type='qemu'>
  <name>${name}</name><uuid>${uuid}</uuid>
  <memory unit='MiB'>256</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${disk}'/><target dev='vda' bus='virtio'/></disk>
    <serial type='pty'/><console type='pty'/>
    <video><model type='none'/></video><memballoon model='none'/>
  </devices>
</domain>`;

/** A websocket client that keeps what the console sent (binary frames, or base64 text decoded). */
function openConsole(url: string, protocols: string[] = ['binary'], headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, protocols, { headers });
  const out = consoleText();
  const frames: Array<{ binary: boolean }> = [];
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    frames.push({ binary: isBinary });
    out.append(isBinary ? data.toString('latin1') : Buffer.from(data.toString('utf8'), 'base64').toString('latin1'));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    frames,
    opened,
    closed,
    get text() {
      return out.text;
    },
    until: out.until,
  };
}

/** What the proxy answers a refused upgrade: status, body, request id. */
function refusal(
  url: string,
  protocols = ['binary'],
): Promise<{ status: number; body: string; requestId: string | undefined }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.on('open', () => reject(new Error('the proxy accepted the connection')));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('utf8')));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          requestId: res.headers['x-openstack-request-id'] as string | undefined,
        }),
      );
    });
    ws.on('error', () => undefined);
  });
}

describe('the serial console proxy, a websocket bridged to a real guest console', () => {
  let unlock: (() => void) | undefined;
  let lv: LibvirtClient;
  let db: TestDatabase;
  let tokens: ConsoleAuthTokenRepository;
  let proxy: ConsoleProxy;
  let dir: string;
  let base: string;
  const logLines: Array<Record<string, unknown>> = [];
  const domains = new Map<string, string>(); // instance uuid → domain name
  const asked: string[] = [];
  let instance: string;
  let dom: Domain;

  const token = async (instanceUuid: string, ttl = 600): Promise<string> => {
    const t = newConsoleToken();
    await tokens.create(
      {
        tokenHash: hashConsoleToken(t),
        consoleType: 'serial',
        instanceUuid,
        host: HOST,
        requestId: 'req-00000000-0000-4000-8000-000000000000',
      },
      ttl,
    );
    return t;
  };

  beforeAll(async () => {
    unlock = await lockLibvirtd();
    const image = await libvirtdAndTinyImage();
    lv = await LibvirtClient.connect();
    await lv.open('qemu:///system');
    await removeDomains(lv, PREFIX);
    dir = mkdtempSync(join(tmpdir(), 'kumo-test-console-'));
    chmodSync(dir, 0o755); // QEMU runs as libvirt-qemu and must reach the disk
    db = await createTestDatabase('compute', { entities: COMPUTE_ENTITIES, migrations: COMPUTE_MIGRATIONS });
    tokens = new ConsoleAuthTokenRepository(db.dataSource);

    const broker = new InMemoryBroker();
    const refuse = () => {
      throw new Error('not this test');
    };
    const handlers: Handlers<typeof computeAgent> = {
      buildAndRunInstance: refuse,
      terminateInstance: refuse,
      powerAction: refuse,
      getConsoleOutput: refuse,
      snapshotInstance: refuse,
      getSerialConsole: (ctx, { instanceId }) => {
        asked.push(`${ctx.requestId} ${instanceId}`);
        const name = domains.get(instanceId);
        if (!name) throw new NotFound(`Instance ${instanceId} could not be found on this host.`);
        return { libvirtUri: 'qemu:///system', domainName: name, device: null };
      },
    };
    await broker.client().serve(computeAgent, handlers, { server: HOST });
    const logger = createLogger('compute-console-test', 'info', {
      write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>),
    });
    proxy = new ConsoleProxy({
      tokens,
      bus: broker.client({ rpcTimeoutMs: 5_000 }),
      logger,
      settings: { allowed_origins: [], agent_timeout_ms: 5_000 },
    });
    base = `ws://127.0.0.1:${await proxy.listen(0, '127.0.0.1')}/`;

    instance = randomUUID();
    const name = `${PREFIX}${instance}`;
    const disk = join(dir, 'disk.qcow2');
    copyFileSync(image, disk);
    dom = await lv.domainDefineXML(tinyXml(name, instance, disk));
    domains.set(instance, name);
  });

  afterAll(async () => {
    await proxy?.close();
    if (lv && !lv.closed) {
      await removeDomains(lv, PREFIX);
      await lv.close();
    }
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => unlock?.());

  it('answers GET /healthcheck, and a plain GET with a Nova fault saying what the port is', async () => {
    const http = base.replace('ws://', 'http://');
    expect((await fetch(`${http}healthcheck`)).status).toBe(200);
    const r = await fetch(http);
    expect(r.status).toBe(400);
    expect(((await r.json()) as { badRequest: { message: string } }).badRequest.message).toMatch(
      /serial console proxy/,
    );
  });

  it("carries typing to the guest's busybox shell and its answer back, in binary frames", async () => {
    await lv.domainCreate(dom);
    const t = await token(instance);
    const c = openConsole(consoleUrl(base, t));
    await c.opened; // the console is open from boot on, so the whole boot log arrives
    expect(c.ws.protocol).toBe('binary');
    const done = await c.until(/KUMO-GUEST-DONE/, 240_000);
    // what the shell prints (42), not what it echoes ($((6*7))), proves the round trip
    c.ws.send(Buffer.from('\recho kumo-$((6*7))-ok\r'));
    await c.until(/kumo-42-ok/, 30_000, done);
    expect(c.frames.length).toBeGreaterThan(0);
    expect(c.frames.every((f) => f.binary)).toBe(true);

    // the client leaves: the session ends and its libvirt connection is closed
    c.ws.close(1000, 'bye');
    await c.closed;
    for (let i = 0; i < 50 && proxy.sessionCount > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(proxy.sessionCount).toBe(0);

    // one request id per connection, in every line about it, and in the agent call
    const lines = logLines.filter((l) => l.instanceId === instance);
    const ids = new Set(lines.map((l) => l.requestId));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(id).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(lines.map((l) => l.msg)).toEqual([
      'serial console token accepted',
      'serial console connected',
      'serial console closed',
    ]);
    expect(lines[0].tokenRequestId).toBe('req-00000000-0000-4000-8000-000000000000');
    expect(asked).toContain(`${id} ${instance}`);
    expect(JSON.stringify(logLines)).not.toContain(t); // the token itself is never logged
  });

  it('opens one connection per token: a second use is 403, an unknown token 401, an expired one 403, each with the reason', async () => {
    const t = await token(instance);
    const c = openConsole(consoleUrl(base, t));
    await c.opened;
    const again = await refusal(consoleUrl(base, t));
    expect(again.status).toBe(403);
    expect(JSON.parse(again.body)).toEqual({
      forbidden: {
        code: 403,
        message:
          'The console token has already been used: each console URL opens one connection; ask for a new one.',
      },
    });
    expect(again.requestId).toMatch(/^req-/);
    expect(logLines.find((l) => l.requestId === again.requestId)).toMatchObject({
      msg: 'serial console refused',
      status: 403,
    });

    const unknown = await refusal(consoleUrl(base, newConsoleToken()));
    expect(unknown.status).toBe(401);
    expect(JSON.parse(unknown.body).unauthorized.message).toBe('The console token is not valid.');
    expect((await refusal(base)).status).toBe(401);

    const old = await token(instance);
    await db.dataSource.query(
      'UPDATE console_auth_token SET expires_at = NOW(6) - INTERVAL 1 SECOND WHERE token_hash = ?',
      [hashConsoleToken(old)],
    );
    const expired = await refusal(consoleUrl(base, old));
    expect(expired.status).toBe(403);
    expect(JSON.parse(expired.body).forbidden.message).toBe(
      'The console token has expired: ask the compute API for a new one.',
    );

    // a client offering only subprotocols the proxy does not speak: 400, and the token is not spent
    const fresh = await token(instance);
    const chat = await refusal(consoleUrl(base, fresh), ['chat']);
    expect(chat.status).toBe(400);
    // a page of another site: 403, token not spent either
    const foreign = await new Promise<number>((resolve) => {
      const ws = new WebSocket(consoleUrl(base, fresh), ['binary'], {
        headers: { origin: 'http://evil.example' },
      });
      ws.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
    expect(foreign).toBe(403);

    // the token still works once, in base64 text frames; the newer session gets the console, the first is closed
    const b = openConsole(consoleUrl(base, fresh), ['base64']);
    await b.opened;
    expect(b.ws.protocol).toBe('base64');
    expect(await c.closed).toEqual({
      code: 4409,
      reason: 'another console session of this server took the console over',
    });
    // typed again until the shell answers: on a loaded machine the takeover's console can take a
    // moment to reach the guest after the websocket opened
    for (let attempt = 1; ; attempt++) {
      b.ws.send(Buffer.from('\recho kumo-$((7*6))-b64\r').toString('base64'));
      try {
        await b.until(/kumo-42-b64/, 5_000);
        break;
      } catch (err) {
        if (attempt >= 6) throw err;
      }
    }
    expect(b.frames.every((f) => !f.binary)).toBe(true);

    // the domain stops: the session is closed with the reason
    await lv.domainDestroy(dom);
    const end = await b.closed;
    expect(end).toEqual({ code: 1000, reason: 'the server stopped (stopped: destroyed)' });
  });

  it("closes with 4404 and a reason when the server's domain is not on its host", async () => {
    const c = openConsole(consoleUrl(base, await token(randomUUID())));
    await c.opened;
    const end = await c.closed;
    expect(end.code).toBe(4404);
    expect(end.reason).toBe(`the server's domain is not on ${HOST}`);

    // the agent knows it but libvirtd does not (undefined meanwhile)
    const ghost = randomUUID();
    domains.set(ghost, `${PREFIX}${ghost}`);
    const g = openConsole(consoleUrl(base, await token(ghost)));
    await g.opened;
    expect(await g.closed).toEqual({
      code: 4404,
      reason: `the server's domain ${PREFIX}${ghost} is not on ${HOST}`,
    });
  });

  it('closes its sessions with 1001 when it shuts down', async () => {
    if (!(await lv.domainIsActive(dom))) await lv.domainCreate(dom); // an earlier case may have left it running
    const connected = () =>
      logLines.filter((l) => l.msg === 'serial console connected' && l.instanceId === instance).length;
    const before = connected();
    const c = openConsole(consoleUrl(base, await token(instance)));
    await c.opened;
    for (let i = 0; i < 100 && connected() === before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(connected()).toBe(before + 1);
    expect(proxy.sessionCount).toBe(1);
    await proxy.close();
    expect(await c.closed).toEqual({ code: 1001, reason: 'the console proxy is shutting down' });
    expect(proxy.sessionCount).toBe(0);
    await lv.domainDestroy(dom);
  });
});
