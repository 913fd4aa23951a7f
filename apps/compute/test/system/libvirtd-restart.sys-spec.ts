// libvirtd restarted under the running stack: a server booted with the real `openstack` client stays
// ACTIVE and running through the restart and the power syncs after it (none marks its guest SHUTOFF),
// the stack's agent says it reconnected with its events registered again, a guest destroyed behind
// Kumo's back afterwards becomes SHUTOFF within seconds (the lifecycle event reached the agent, not
// the 30 s sync), and the agent drives the guest again (`server start`). libvirtd is restarted as the
// stack starts it (deploy/allinone/lib.sh start_libvirtd: `libvirtd -d` or under tini here, systemd
// units on Ubuntu), once, under the stack lock and the libvirt suites' lock; a finally starts it
// again whatever happened. Needs ./stack.sh (API, scheduler, agent).
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ServiceSession } from '@kumo/sdk';
import { lockLibvirtd, openrc, openrcCredentials, openstack, openstackJson, uniqueName } from '@kumo/testing';

const run = promisify(execFile);
const REPO = join(__dirname, '../../../..');
const AGENT_LOG = join(REPO, '.stack/logs/compute-agent.log');
jest.setTimeout(900_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const virsh = async (...args: string[]) => (await run('virsh', ['-c', 'qemu:///system', ...args])).stdout.trim();

/** Stops libvirtd by its pid file and starts it as the stack does, under the stack lock; resolves with the old and new pid. */
async function restartLibvirtd(): Promise<{ before: number; after: number }> {
  const script = [
    'set -e',
    '. deploy/allinone/lib.sh',
    'old=$(cat /run/libvirtd.pid)',
    'kill -TERM "$old"',
    'for _ in $(seq 1 100); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done',
    'kill -0 "$old" 2>/dev/null && { echo "libvirtd $old did not stop"; exit 1; }',
    'start_libvirtd >/dev/null',
    'echo "$old $(cat /run/libvirtd.pid)"',
  ].join('\n');
  const { stdout } = await run('flock', ['-o', '/tmp/kumo-stack.lock', 'bash', '-c', script], { cwd: REPO, env: { ...process.env, KUMO_ROOT: REPO }, timeout: 600_000 });
  const [before, after] = stdout.trim().split(/\s+/).map(Number);
  return { before, after };
}

describe('libvirtd restarted under the stack', () => {
  const demo = openrc('demo');
  const name = uniqueName('kumo-test-libvirtd');
  let id: string | undefined;
  let unlock: (() => void) | undefined;
  const session = new ServiceSession(openrcCredentials('demo'));

  const server = async () => {
    const base = (await session.endpoint('compute')).replace(/\/+$/, '');
    const r = await session.authorizedFetch(`${base}/servers/${id}`);
    return ((await r.json()) as { server: { status: string; 'OS-EXT-STS:power_state': number; 'OS-EXT-STS:task_state': string | null } }).server;
  };

  beforeAll(async () => {
    unlock = await lockLibvirtd();
  });
  afterAll(async () => {
    await openstack(['server', 'delete', '--wait', id ?? name], demo, { timeoutMs: 180_000 });
    unlock?.();
  });

  it('keeps the server ACTIVE and running, reconnects with its events, and drives the guest after', async () => {
    const created = await openstackJson<{ id: string; status: string }>(['server', 'create', '--image', 'kumo-tiny', '--flavor', 'tiny', '--wait', name], demo, { timeoutMs: 300_000 });
    id = created.id;
    expect(created.status).toBe('ACTIVE');
    const domain = `instance-${id}`;
    expect(await virsh('domstate', domain)).toBe('running');
    const logFrom = statSync(AGENT_LOG).size;

    let pids: { before: number; after: number };
    try {
      pids = await restartLibvirtd();
    } finally {
      await run('bash', ['-c', '. deploy/allinone/lib.sh && start_libvirtd'], { cwd: REPO, env: { ...process.env, KUMO_ROOT: REPO } }).catch(() => undefined);
    }
    expect(pids.after).not.toBe(pids.before);

    // the agent reconnects (it retries from 100 ms, doubling up to 5 s)
    const deadline = Date.now() + 30_000;
    const agentLog = () => readFileSync(AGENT_LOG).subarray(logFrom).toString();
    while (!agentLog().includes('libvirtd reconnected (events registered again)')) {
      if (Date.now() > deadline) throw new Error(`the agent never said it reconnected; its log since the restart:\n${agentLog().slice(-3000)}`);
      await sleep(500);
    }
    expect(agentLog()).toContain('libvirtd connection lost, reconnecting');

    // two power-sync passes (every 30 s) and a host report later: still ACTIVE, running, and libvirt agrees
    for (let waited = 0; waited < 65_000; waited += 5_000) {
      const s = await server();
      expect({ status: s.status, power: s['OS-EXT-STS:power_state'] }).toEqual({ status: 'ACTIVE', power: 1 });
      await sleep(5_000);
    }
    expect(await virsh('domstate', domain)).toBe('running');
    expect(agentLog()).not.toMatch(/the guest powered off by itself/);

    // the guest killed behind Kumo's back: the lifecycle event (registered again) makes it SHUTOFF at once
    await virsh('destroy', domain);
    const off = Date.now();
    let s = await server();
    while (s.status !== 'SHUTOFF' && Date.now() - off < 60_000) {
      await sleep(250);
      s = await server();
    }
    const offMs = Date.now() - off;
    console.log(`after the libvirtd restart (pid ${pids.before} → ${pids.after}): a guest destroyed outside Kumo was SHUTOFF in the API after ${offMs} ms`);
    expect(s.status).toBe('SHUTOFF');
    expect(offMs).toBeLessThan(10_000);

    // and the agent drives libvirt again
    expect((await openstack(['server', 'start', id], demo)).code).toBe(0);
    const on = Date.now();
    while ((s = await server()).status !== 'ACTIVE' && Date.now() - on < 120_000) await sleep(500);
    expect(s.status).toBe('ACTIVE');
    expect(await virsh('domstate', domain)).toBe('running');
  });
});
