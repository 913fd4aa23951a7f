// The serial console through the running stack, as a user gets it: `openstack server create
// --image kumo-tiny --flavor tiny --wait`, `openstack console url show --serial` (the real client:
// remote-consoles at the negotiated 2.6), and `ws` as the browser against the stack's
// compute-console on :6083, through the agent and libvirtd to the guest's busybox shell. Needs the
// compute API, scheduler, agent and console proxy running (./stack.sh); without an agent the create
// ends in ERROR ("No valid host: 0 hosts") and this fails there.
import WebSocket from 'ws';
import { openrc, openstack, openstackJson, uniqueName } from '@kumo/testing';

jest.setTimeout(600_000);

describe('serial console through the stack (openstack CLI + websocket)', () => {
  const demo = openrc('demo');
  const name = uniqueName('kumo-test-console');
  let id: string | undefined;

  afterAll(async () => {
    // by name: a create that failed (--wait exits 1 on ERROR) still left a server
    await openstack(['server', 'delete', '--wait', id ?? name], demo, { timeoutMs: 180_000 });
  });

  it("types into the guest's shell and reads its answer; the URL opens one connection", async () => {
    const server = await openstackJson<{ id: string; status: string }>(
      ['server', 'create', '--image', 'kumo-tiny', '--flavor', 'tiny', '--wait', name],
      demo,
      { timeoutMs: 300_000 },
    );
    id = server.id;
    expect(server.status).toBe('ACTIVE');
    const consoleUrl = await openstackJson<{ type: string; url: string }>(
      ['console', 'url', 'show', '--serial', id],
      demo,
    );
    expect(consoleUrl.type).toBe('serial');
    expect(consoleUrl.url).toMatch(/^ws:\/\/[^/]+:6083\/\?token=[0-9a-f-]{36}$/);

    const ws = new WebSocket(consoleUrl.url, ['binary']);
    let text = '';
    ws.on('message', (data: Buffer) => (text += data.toString('latin1')));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('binary');
    // the guest may still be booting: type until its shell answers (it prints 42; the echo of the line shows $((6*7)))
    const deadline = Date.now() + 240_000;
    while (!/kumo-42-ok/.test(text)) {
      if (Date.now() > deadline)
        throw new Error(`the guest's shell never answered; the console showed:\n${text.slice(-2000)}`);
      ws.send(Buffer.from('\recho kumo-$((6*7))-ok\r'));
      await new Promise((r) => setTimeout(r, 3000));
    }

    const again = await new Promise<number>((resolve) => {
      const w = new WebSocket(consoleUrl.url, ['binary']);
      w.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      w.on('open', () => resolve(101));
      w.on('error', () => undefined);
    });
    expect(again).toBe(403);

    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.close(1000);
    expect(await closed).toBe(1000);
  });

  it("is refused for a server that is not ACTIVE (409, with Nova's message)", async () => {
    expect(id).toBeDefined();
    const stop = await openstack(['server', 'stop', id!], demo);
    expect(stop.code).toBe(0);
    for (let i = 0; i < 120; i++) {
      const s = await openstackJson<{ status: string }>(['server', 'show', id!], demo);
      if (s.status === 'SHUTOFF') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const off = await openstack(['console', 'url', 'show', '--serial', id!], demo);
    expect(off.code).not.toBe(0);
    expect(off.stderr).toMatch(/Cannot 'get_serial_console' instance .* while it is in vm_state stopped/);
  });
});
