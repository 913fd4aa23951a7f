// Serial console URLs through the API (os-getSerialConsole at 2.1–2.5, what `openstack console url
// show --serial` sends at OSC's default 2.1; remote-consoles from 2.6, where the action is gone), the token
// as the database keeps it, and that token spent by the console proxy on the same database and bus
// (the servers stack's fake agent names a domain libvirtd's test driver does not have: 4404).
import { createLogger } from '@kumo/common';
import WebSocket from 'ws';
import { ConsoleProxy } from '../../src/console/console-proxy';
import { ConsoleAuthTokenRepository } from '../../src/db/repositories/console-auth-token.repository';
import { hashConsoleToken } from '../../src/services/console-tokens';
import { ComputeStack, startComputeStack } from '../support/compute-stack';

describe('serial console URLs', () => {
  let s: ComputeStack;
  let server: string;
  let stopped: string;

  beforeAll(async () => {
    s = await startComputeStack();
    await s.agent('node-1', { memoryMb: 16384, vcpus: 8, localGb: 200 });
    const imageId = s.images.add({ min_disk: 1, min_ram: 128 }).id;
    const flavor = await s.t.json('admin', 'POST', '/v2.1/flavors', {
      flavor: { name: 'tiny', ram: 256, vcpus: 1, disk: 1 },
    });
    const create = async (name: string) => {
      const r = await s.t.json('demo', 'POST', '/v2.1/servers', {
        server: { name, imageRef: imageId, flavorRef: flavor.body.flavor.id },
      });
      await s.waitFor('demo', r.body.server.id, (v) => v?.status === 'ACTIVE');
      return r.body.server.id as string;
    };
    server = await create('console-vm');
    stopped = await create('stopped-vm');
    const stop = await s.t.json('demo', 'POST', `/v2.1/servers/${stopped}/action`, { 'os-stop': null });
    if (stop.status !== 202) throw new Error(`os-stop: ${stop.status}`);
    await s.waitFor('demo', stopped, (v) => v?.status === 'SHUTOFF');
  });
  afterAll(async () => {
    await s?.close();
  });

  const action = (who: string, id: string, body: unknown) =>
    s.t.json(who, 'POST', `/v2.1/servers/${id}/action`, body);

  it('os-getSerialConsole answers {"console": {type, url}} with a ws:// URL whose token the database keeps only hashed, for 600 s', async () => {
    const r = await action('demo', server, { 'os-getSerialConsole': { type: 'serial' } });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.console).sort()).toEqual(['type', 'url']);
    expect(r.body.console.type).toBe('serial');
    const url = new URL(r.body.console.url);
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe('ws://127.0.0.1:6083/');
    const token = url.searchParams.get('token')!;
    expect(token).toMatch(/^[0-9a-f-]{36}$/);
    const rows = (await s.t.db.dataSource.query(
      'SELECT token_hash, instance_uuid, host, used, request_id, TIMESTAMPDIFF(SECOND, NOW(6), expires_at) AS ttl FROM console_auth_token WHERE instance_uuid = ?',
      [server],
    )) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      token_hash: hashConsoleToken(token),
      host: 'node-1',
      used: 0,
      request_id: r.headers.get('x-openstack-request-id'),
    });
    expect(Number(rows[0].ttl)).toBeGreaterThanOrEqual(598);
    expect(JSON.stringify(rows)).not.toContain(token);
    // each call is a new token
    const again = await action('demo', server, { 'os-getSerialConsole': { type: 'serial' } });
    expect(again.body.console.url).not.toBe(r.body.console.url);
  });

  it("refuses with Nova's faults: a bad type 400, a server not ACTIVE 409, another project's 404, a reader 403", async () => {
    const bad = await action('demo', server, { 'os-getSerialConsole': { type: 'novnc' } });
    expect(bad.status).toBe(400);
    expect(bad.body.badRequest.code).toBe(400);
    expect((await action('demo', server, { 'os-getSerialConsole': {} })).status).toBe(400);
    expect(
      (await action('demo', server, { 'os-getSerialConsole': { type: 'serial', extra: 1 } })).status,
    ).toBe(400);
    const off = await action('demo', stopped, { 'os-getSerialConsole': { type: 'serial' } });
    expect(off.status).toBe(409);
    expect(off.body.conflictingRequest.message).toBe(
      `Cannot 'get_serial_console' instance ${stopped} while it is in vm_state stopped`,
    );
    expect((await action('other', server, { 'os-getSerialConsole': { type: 'serial' } })).status).toBe(404);
    const reader = await action('reader', server, { 'os-getSerialConsole': { type: 'serial' } });
    expect(reader.status).toBe(403);
    expect(reader.body.forbidden.message).toBe(
      "Policy doesn't allow os_compute_api:os-remote-consoles to be performed.",
    );
    expect((await action('admin', server, { 'os-getSerialConsole': { type: 'serial' } })).status).toBe(200);
    const rows = (await s.t.db.dataSource.query(
      'SELECT COUNT(*) AS n FROM console_auth_token WHERE instance_uuid = ?',
      [stopped],
    )) as Array<{ n: number | string }>;
    expect(Number(rows[0].n)).toBe(0);
  });

  it('spends a token once when 20 connections race for it (one conditional UPDATE)', async () => {
    const repo = new ConsoleAuthTokenRepository(s.t.db.dataSource);
    const hash = hashConsoleToken('race-token');
    await repo.create(
      { tokenHash: hash, consoleType: 'serial', instanceUuid: server, host: 'node-1', requestId: null },
      600,
    );
    const results = await Promise.all(Array.from({ length: 20 }, () => repo.consume(hash)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.reason))).toEqual(Array(19).fill('used'));
    expect(await repo.consume(hashConsoleToken('never-made'))).toEqual({ ok: false, reason: 'unknown' });
  });

  it('remote-consoles is a 2.6 route: below 2.6 a 404 that makes no token; at 2.6 the URL, and the console actions are gone', async () => {
    const body = { remote_console: { protocol: 'serial', type: 'serial' } };
    const tokens = async () => Number((await s.t.db.dataSource.query('SELECT COUNT(*) AS n FROM console_auth_token'))[0].n);
    const before = await tokens();
    for (const headers of [{}, { 'openstack-api-version': 'compute 2.5' }] as Array<Record<string, string>>) {
      const r = await s.t.json('demo', 'POST', `/v2.1/servers/${server}/remote-consoles`, body, headers);
      expect(r.status).toBe(404);
      expect(r.body.itemNotFound.message).toBe('The resource could not be found.');
    }
    expect(await tokens()).toBe(before);
    const v26 = { 'openstack-api-version': 'compute 2.6' };
    const ok = await s.t.json('demo', 'POST', `/v2.1/servers/${server}/remote-consoles`, body, v26);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('openstack-api-version')).toBe('compute 2.6');
    expect(ok.body).toEqual({ remote_console: { protocol: 'serial', type: 'serial', url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:6083\/\?token=[0-9a-f-]{36}$/) } });
    expect((await s.t.json('demo', 'POST', `/v2.1/servers/${server}/remote-consoles`, { remote_console: { protocol: 'vnc', type: 'novnc' } }, v26)).body).toEqual({ badRequest: { code: 400, message: 'Unavailable console type novnc.' } });
    for (const a of [{ 'os-getSerialConsole': { type: 'serial' } }, { 'os-getVNCConsole': { type: 'novnc' } }, { 'os-getSPICEConsole': { type: 'spice-html5' } }, { 'os-getRDPConsole': { type: 'rdp-html5' } }]) {
      const r = await s.t.json('demo', 'POST', `/v2.1/servers/${server}/action`, a, v26);
      expect({ a, status: r.status, body: r.body }).toEqual({ a, status: 404, body: { itemNotFound: { code: 404, message: 'The resource could not be found.' } } });
    }
    // at 2.5 VNC and SPICE are Nova's "unavailable" 400, RDP its bare 400
    const v25 = { 'openstack-api-version': 'compute 2.5' };
    expect((await s.t.json('demo', 'POST', `/v2.1/servers/${server}/action`, { 'os-getVNCConsole': { type: 'novnc' } }, v25)).body).toEqual({ badRequest: { code: 400, message: 'Unavailable console type novnc.' } });
    expect((await s.t.json('demo', 'POST', `/v2.1/servers/${server}/action`, { 'os-getSPICEConsole': { type: 'spice-html5' } }, v25)).body).toEqual({ badRequest: { code: 400, message: 'Unavailable console type spice-html5.' } });
    expect((await s.t.json('demo', 'POST', `/v2.1/servers/${server}/action`, { 'os-getRDPConsole': { type: 'rdp-html5' } }, v25)).status).toBe(400);
    expect((await s.t.json('demo', 'POST', `/v2.1/servers/${server}/action`, { 'os-getSerialConsole': { type: 'serial' } }, v25)).status).toBe(200);
  });

  it('the console proxy spends the token once; the domain the agent names is not on libvirt there: 4404 with the reason', async () => {
    const r = await action('demo', server, { 'os-getSerialConsole': { type: 'serial' } });
    const proxy = new ConsoleProxy({
      tokens: new ConsoleAuthTokenRepository(s.t.db.dataSource),
      bus: s.broker.client({ rpcTimeoutMs: 5_000 }),
      logger: createLogger('console-test', process.env.KUMO_TEST_LOG ?? 'silent'),
      settings: { allowed_origins: [], agent_timeout_ms: 5_000 },
    });
    const port = await proxy.listen(0, '127.0.0.1');
    try {
      const url = r.body.console.url.replace('127.0.0.1:6083', `127.0.0.1:${port}`);
      const ws = new WebSocket(url, ['binary']);
      const end = await new Promise<{ code: number; reason: string }>((resolve) =>
        ws.on('close', (code, why) => resolve({ code, reason: why.toString() })),
      );
      // the fake agent answers test:///default and a domain named "x", which that driver lacks
      expect(end).toEqual({ code: 4404, reason: "the server's domain x is not on node-1" });
      const second = await new Promise<number>((resolve) => {
        const w = new WebSocket(url, ['binary']);
        w.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
        w.on('error', () => undefined);
      });
      expect(second).toBe(403);
    } finally {
      await proxy.close();
    }
  });

  it("deleting the server deletes its console tokens (Nova's clean_console_auths_for_instance)", async () => {
    const imageId = s.images.add({ min_disk: 1, min_ram: 128 }).id;
    const flavors = await s.t.json('demo', 'GET', '/v2.1/flavors');
    const r = await s.t.json('demo', 'POST', '/v2.1/servers', {
      server: { name: 'doomed-vm', imageRef: imageId, flavorRef: flavors.body.flavors[0].id },
    });
    const id = r.body.server.id as string;
    await s.waitFor('demo', id, (v) => v?.status === 'ACTIVE');
    for (let i = 0; i < 2; i++) {
      expect((await action('demo', id, { 'os-getSerialConsole': { type: 'serial' } })).status).toBe(200);
    }
    const count = async (uuid: string) =>
      Number(
        (
          (await s.t.db.dataSource.query(
            'SELECT COUNT(*) AS n FROM console_auth_token WHERE instance_uuid = ?',
            [uuid],
          )) as Array<{ n: number | string }>
        )[0].n,
      );
    expect(await count(id)).toBe(2);
    const others = await count(server);

    expect((await s.t.json('demo', 'DELETE', `/v2.1/servers/${id}`)).status).toBe(204);
    await s.waitFor('demo', id, (v) => v === undefined);
    expect(await count(id)).toBe(0);
    expect(await count(server)).toBe(others); // another server's tokens stay
  });
});
