// Servers end to end through the running stack with Debian's openstack client: the API, the
// scheduler, the agent on this host and its libvirtd/QEMU (TCG with the tiny flavor). Few guests
// boot, to keep the tier short: one demo server goes through every power action, its snapshot
// boots three servers (--min 3 --max 3), an admin server that no host fits ends in ERROR.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openrc, openstack, openstackJson, runCliOk, uniqueName } from '@kumo/testing';

jest.setTimeout(600_000);

const run = promisify(execFile);
const INSTANCES = process.env.KUMO_INSTANCES_PATH ?? '/var/lib/kumo/instances';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** libvirt's own view of the server's domain (`virsh domstate`), or 'missing'. */
async function domstate(id: string): Promise<string> {
  try {
    return (await run('virsh', ['-c', 'qemu:///system', 'domstate', `instance-${id}`])).stdout.trim();
  } catch {
    return 'missing';
  }
}

type Server = { id: string; name: string; status: string; adminPass?: string; fault?: { message: string; code: number }; 'OS-EXT-STS:vm_state'?: string; 'OS-EXT-STS:task_state'?: string | null };

describe('servers with the real openstack client, libvirtd and QEMU', () => {
  const admin = openrc('admin');
  const demo = openrc('demo');
  const work = mkdtempSync(join(tmpdir(), 'kumo-servers-compat-'));
  const key = uniqueName('kumo-k');
  const cleanup: Array<[string, Record<string, string>]> = [];
  const images: string[] = [];
  const flavors: string[] = [];
  let vm: Server | undefined;
  let oldInstances = 10;

  async function show(id: string, env = demo): Promise<Server> {
    return openstackJson<Server>(['server', 'show', id], env);
  }

  /** Polls until the server has no task and `status`; fails at once on ERROR. */
  async function waitStatus(id: string, status: string, env = demo, ms = 180_000): Promise<Server> {
    const deadline = Date.now() + ms;
    for (;;) {
      const s = await show(id, env);
      if (s.status === status && !s['OS-EXT-STS:task_state']) return s;
      if (s.status === 'ERROR' && status !== 'ERROR') throw new Error(`server ${id} went to ERROR: ${JSON.stringify(s.fault)}`);
      if (Date.now() > deadline) throw new Error(`server ${id} is ${s.status}/${s['OS-EXT-STS:task_state']}, not ${status}, after ${ms} ms`);
      await sleep(500);
    }
  }

  async function consoleUntil(id: string, re: RegExp, env = demo, ms = 180_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const out = await runCliOk('openstack', ['console', 'log', 'show', id], env);
      if (re.test(out)) return out;
      if (Date.now() > deadline) throw new Error(`the console of ${id} never showed ${re}; it shows:\n${out.slice(-2000)}`);
      await sleep(1000);
    }
  }

  /** A raw request to the catalog's compute endpoint with the user's token (Nova's fault bodies, which the CLI summarizes). */
  async function raw(env: Record<string, string>, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, { message: string; code: number }> }> {
    const token = (await runCliOk('openstack', ['token', 'issue', '-f', 'value', '-c', 'id'], env)).trim();
    const url = (await runCliOk('openstack', ['endpoint', 'list', '--service', 'compute', '--interface', 'public', '-f', 'value', '-c', 'URL'], admin)).trim();
    const r = await fetch(`${url}${path}`, { method, headers: { 'x-auth-token': token, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: r.status, body: (await r.json().catch(() => ({}))) as Record<string, { message: string; code: number }> };
  }

  const serverCount = async (env: Record<string, string>) => (await openstackJson<unknown[]>(['server', 'list'], env)).length;

  beforeAll(async () => {
    await runCliOk('openstack', ['keypair', 'create', key], demo);
    oldInstances = (await openstackJson<{ instances: number }>(['quota', 'show', 'demo'], admin)).instances;
  });

  afterAll(async () => {
    await openstack(['quota', 'set', '--instances', String(oldInstances), 'demo'], admin);
    for (const [id, env] of cleanup.reverse()) await openstack(['server', 'delete', '--wait', id], env, { timeoutMs: 180_000 });
    for (const id of images) await openstack(['image', 'delete', id], admin);
    for (const id of flavors) await openstack(['flavor', 'delete', id], admin);
    await openstack(['keypair', 'delete', key], demo);
    rmSync(work, { recursive: true, force: true });
  });

  it('server create --image kumo-tiny --flavor tiny --key-name --wait reaches ACTIVE; the guest boots and reads its config drive', async () => {
    const name = uniqueName('kumo-vm');
    const t0 = Date.now();
    const created = await openstack(['server', 'create', '--image', 'kumo-tiny', '--flavor', 'tiny', '--key-name', key, '--wait', '-f', 'json', name], demo, { timeoutMs: 300_000 });
    cleanup.push([name, demo]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    vm = JSON.parse(created.stdout) as Server;
    cleanup[cleanup.length - 1] = [vm.id, demo];
    const active = Date.now() - t0;
    expect(vm).toMatchObject({ name, status: 'ACTIVE', key_name: key, flavor: expect.stringContaining('tiny') });
    expect(await domstate(vm.id)).toBe('running');
    const out = await consoleUntil(vm.id, new RegExp(`KUMO-GUEST-UUID ${vm.id}`));
    expect(out).toMatch(/^KUMO-GUEST-READY /m);
    expect(out).toMatch(/^KUMO-GUEST-KEYS 1/m);
    process.stdout.write(`server create --wait: ACTIVE after ${active} ms (CLI), the config drive's uuid on the console after ${Date.now() - t0} ms\n`);
    const listed = await openstackJson<Array<{ ID: string; Status: string }>>(['server', 'list'], demo);
    expect(listed).toEqual(expect.arrayContaining([expect.objectContaining({ ID: vm.id, Status: 'ACTIVE' })]));
  });

  /** meta_data.json of a server's config drive, read from its ISO on this host (isoinfo, Rock Ridge names). */
  async function configDriveMeta(id: string): Promise<Record<string, unknown>> {
    const { stdout } = await run('isoinfo', ['-R', '-i', join(INSTANCES, id, 'disk.config'), '-x', '/openstack/latest/meta_data.json']);
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  it("the config drive carries the create's admin password: the generated one the CLI printed, or the one given with --password", async () => {
    expect(vm!.adminPass).toMatch(/^[2-9A-HJ-NP-Za-km-z]{12}$/);
    expect((await configDriveMeta(vm!.id)).admin_pass).toBe(vm!.adminPass);
    const name = uniqueName('kumo-pw');
    const given = await openstackJson<Server>(['server', 'create', '--image', 'kumo-tiny', '--flavor', 'tiny', '--password', 'Kumo-given-pw-1', '--wait', name], demo, { timeoutMs: 300_000 });
    cleanup.push([given.id, demo]);
    expect(given).toMatchObject({ status: 'ACTIVE', adminPass: 'Kumo-given-pw-1' });
    expect(await configDriveMeta(given.id)).toMatchObject({ uuid: given.id, admin_pass: 'Kumo-given-pw-1' });
    expect((await openstack(['server', 'delete', '--wait', given.id], demo, { timeoutMs: 180_000 })).code).toBe(0);
  });

  it('microversions up to 2.6 through the client: console url show --serial via remote-consoles (the action at 2.1), the admin view at 2.3, ip6 at 2.5', async () => {
    const id = vm!.id;
    // the client negotiates 2.6 and uses remote-consoles; asked for 2.1 it sends the os-getSerialConsole action
    const v26 = await openstack(['console', 'url', 'show', '--serial', '-f', 'json', '--debug', id], demo);
    expect(v26.code).toBe(0);
    expect(v26.stderr).toMatch(new RegExp(`POST http://\\S+/v2\\.1/servers/${id}/remote-consoles -H .*OpenStack-API-Version: compute 2\\.6`));
    expect(JSON.parse(v26.stdout.slice(v26.stdout.indexOf('{')))).toEqual({ protocol: 'serial', type: 'serial', url: expect.stringMatching(/^ws:\/\/[^/]+:6083\/\?token=[0-9a-f-]{36}$/) });
    const v21 = await openstack(['--os-compute-api-version', '2.1', 'console', 'url', 'show', '--serial', '-f', 'json', '--debug', id], demo);
    expect(v21.code).toBe(0);
    expect(v21.stderr).toMatch(new RegExp(`POST http://\\S+/v2\\.1/servers/${id}/action `));
    expect(v21.stderr).not.toContain('/remote-consoles');
    expect(JSON.parse(v21.stdout.slice(v21.stdout.indexOf('{')))).toEqual({ type: 'serial', url: expect.stringMatching(/^ws:\/\/[^/]+:6083\/\?token=/) });
    // from 2.6 the action is gone: Nova's bare 404
    const token = (await runCliOk('openstack', ['token', 'issue', '-f', 'value', '-c', 'id'], demo)).trim();
    const url = (await runCliOk('openstack', ['endpoint', 'list', '--service', 'compute', '--interface', 'public', '-f', 'value', '-c', 'URL'], admin)).trim();
    const gone = await fetch(`${url}/servers/${id}/action`, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json', 'openstack-api-version': 'compute 2.6' }, body: JSON.stringify({ 'os-getSerialConsole': { type: 'serial' } }) });
    expect([gone.status, await gone.json()]).toEqual([404, { itemNotFound: { code: 404, message: 'The resource could not be found.' } }]);
    // server show: an admin sees 2.3's attributes when asking for 2.3, not at the client's default 2.1
    const attrs = (s: Record<string, unknown>) => Object.keys(s).filter((k) => k.startsWith('OS-EXT-SRV-ATTR:')).sort();
    expect(attrs(await openstackJson<Record<string, unknown>>(['server', 'show', id], admin))).toEqual(['OS-EXT-SRV-ATTR:host', 'OS-EXT-SRV-ATTR:hypervisor_hostname', 'OS-EXT-SRV-ATTR:instance_name']);
    const at23 = await openstackJson<Record<string, unknown>>(['--os-compute-api-version', '2.3', 'server', 'show', id], admin);
    expect(at23).toMatchObject({ 'OS-EXT-SRV-ATTR:hostname': vm!.name, 'OS-EXT-SRV-ATTR:launch_index': 0, 'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda', 'OS-EXT-SRV-ATTR:reservation_id': expect.stringMatching(/^r-/), 'OS-EXT-SRV-ATTR:kernel_id': '', 'OS-EXT-SRV-ATTR:ramdisk_id': '', 'OS-EXT-SRV-ATTR:user_data': null });
    expect(attrs(await openstackJson<Record<string, unknown>>(['--os-compute-api-version', '2.6', 'server', 'show', id], demo))).toEqual([]);
    // server list --ip6: dropped for a member before 2.5, applied from 2.5 (no server has an address before the network service)
    const ids = async (version: string) => (await openstackJson<Array<{ ID: string }>>(['--os-compute-api-version', version, 'server', 'list', '--ip6', '.'], demo)).map((x) => x.ID);
    expect(await ids('2.1')).toContain(id);
    expect(await ids('2.5')).not.toContain(id);
    const high = await openstack(['--os-compute-api-version', '2.7', 'server', 'show', id], demo);
    expect(high.code).toBe(1);
    expect(high.stderr).toContain('Version 2.7 is not supported by the API. Minimum is 2.1 and maximum is 2.6. (HTTP 406)');
  });

  it('stop, start, reboot, reboot --hard, pause, unpause, suspend, resume each reach their state, and libvirt agrees', async () => {
    const id = vm!.id;
    const steps: Array<[string[], string, string]> = [
      [['server', 'stop', id], 'SHUTOFF', 'shut off'],
      [['server', 'start', id], 'ACTIVE', 'running'],
      [['server', 'reboot', '--wait', id], 'ACTIVE', 'running'],
      [['server', 'reboot', '--hard', '--wait', id], 'ACTIVE', 'running'],
      [['server', 'pause', id], 'PAUSED', 'paused'],
      [['server', 'unpause', id], 'ACTIVE', 'running'],
      [['server', 'suspend', id], 'SUSPENDED', 'shut off'],
      [['server', 'resume', id], 'ACTIVE', 'running'],
    ];
    for (const [args, status, libvirt] of steps) {
      const t0 = Date.now();
      const r = await openstack(args, demo, { timeoutMs: 240_000 });
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
      await waitStatus(id, status);
      expect({ args, libvirt: await domstate(id) }).toEqual({ args, libvirt });
      process.stdout.write(`${args.slice(1).join(' ')}: ${status} after ${Date.now() - t0} ms\n`);
    }
    // the guest runs again after all that: its console shows a second boot
    await consoleUntil(id, /KUMO-GUEST-READY[^]*KUMO-GUEST-READY/);
  });

  it('refuses an action not allowed in the current state (409 with Nova\'s message), changing nothing', async () => {
    const id = vm!.id;
    const r = await raw(demo, 'POST', `/servers/${id}/action`, { unpause: null });
    expect(r.status).toBe(409);
    expect(r.body.conflictingRequest).toEqual({ code: 409, message: `Cannot 'unpause' instance ${id} while it is in vm_state active` });
    const cli = await openstack(['server', 'start', id], demo);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`Cannot 'start' instance ${id} while it is in vm_state active`);
    expect((await show(id)).status).toBe('ACTIVE');
    expect(await domstate(id)).toBe('running');
  });

  it('server event list shows each action, and the create\'s steps with their results', async () => {
    const id = vm!.id;
    const actions = await openstackJson<Array<{ Action: string; 'Request ID': string }>>(['server', 'event', 'list', id], demo);
    expect(actions.map((a) => a.Action).sort()).toEqual(['create', 'pause', 'reboot', 'reboot', 'resume', 'start', 'stop', 'suspend', 'unpause'].sort());
    const create = actions.find((a) => a.Action === 'create')!;
    const detail = await openstackJson<{ action: string; events: Array<{ event: string; result: string; finish_time: string | null }> }>(['server', 'event', 'show', id, create['Request ID']], admin);
    expect(detail.action).toBe('create');
    expect(detail.events.length).toBeGreaterThan(1);
    expect(detail.events.map((e) => e.event)).toContain('compute__do_build_and_run_instance');
    for (const e of detail.events) expect(e).toMatchObject({ result: 'Success', finish_time: expect.any(String) });
  });

  it('demo cannot see or act on admin\'s servers; a flavor larger than any host gives ERROR with the explaining fault', async () => {
    const big = uniqueName('kumo-huge');
    await runCliOk('openstack', ['flavor', 'create', '--vcpus', '1', '--ram', String(40 * 1024), '--disk', '1', '--id', big, big], admin);
    flavors.push(big);
    const name = uniqueName('kumo-nohost');
    const r = await openstack(['server', 'create', '--image', 'kumo-tiny', '--flavor', big, '--wait', '-f', 'json', name], admin, { timeoutMs: 120_000 });
    // (the client prints "Error creating server" when the wait ends in ERROR, and exits 0: a bare SystemExit)
    expect(r.stdout + r.stderr).toContain('Error creating server');
    const id = (await runCliOk('openstack', ['server', 'show', name, '-f', 'value', '-c', 'id'], admin)).trim();
    cleanup.push([id, admin]);
    const s = await show(id, admin);
    expect(s.status).toBe('ERROR');
    expect(s.fault?.code).toBe(500);
    expect(s.fault?.message).toMatch(/^No valid host: \d+ hosts?; .*RamFilter removed 1 \(needs 40960 MiB, largest free \d+ MiB on [^)]+\)/);
    expect(await domstate(id)).toBe('missing');

    const seen = await openstack(['server', 'show', id], demo);
    expect(seen.code).toBe(1);
    expect(seen.stderr).toContain(`No server with a name or ID of '${id}' exists.`);
    expect((await openstackJson<Array<{ ID: string }>>(['server', 'list'], demo)).map((x) => x.ID)).not.toContain(id);
    expect((await raw(demo, 'POST', `/servers/${id}/action`, { 'os-start': null })).status).toBe(404);
    expect((await raw(demo, 'DELETE', `/servers/${id}`)).status).toBe(404);
    expect((await show(id, admin)).status).toBe('ERROR');
  });

  it('server image create gives an active image, which boots three servers (--min 3 --max 3)', async () => {
    const snap = uniqueName('kumo-snap');
    const created = await openstack(['server', 'image', 'create', '--name', snap, '--wait', '-f', 'json', vm!.id], demo, { timeoutMs: 300_000 });
    expect(created.code).toBe(0);
    const image = JSON.parse(created.stdout) as { id: string; status: string };
    images.push(image.id);
    expect((await openstackJson<{ status: string; disk_format: string }>(['image', 'show', image.id], demo)).status).toBe('active');
    await waitStatus(vm!.id, 'ACTIVE');

    const name = uniqueName('kumo-three');
    const r = await openstack(['server', 'create', '--image', image.id, '--flavor', 'tiny', '--min', '3', '--max', '3', '--wait', name], demo, { timeoutMs: 400_000 });
    const three = (await openstackJson<Array<{ ID: string; Name: string; Status: string }>>(['server', 'list', '--name', `^${name}-`], demo)).sort((a, b) => a.Name.localeCompare(b.Name));
    for (const s of three) cleanup.push([s.ID, demo]);
    expect(r.code).toBe(0);
    expect(three.map((s) => s.Name)).toEqual([`${name}-1`, `${name}-2`, `${name}-3`]);
    for (const s of three) expect(await waitStatus(s.ID, 'ACTIVE')).toMatchObject({ status: 'ACTIVE' });
    // the snapshot is a bootable disk: the guest from it prints its own uuid from its config drive
    await consoleUntil(three[0].ID, new RegExp(`KUMO-GUEST-UUID ${three[0].ID}`));

    for (const s of three) expect((await openstack(['server', 'delete', '--wait', s.ID], demo, { timeoutMs: 180_000 })).code).toBe(0);
    for (const s of three) {
      expect(await domstate(s.ID)).toBe('missing');
      expect(existsSync(join(INSTANCES, s.ID))).toBe(false);
    }
  });

  it('hypervisor list/show, hypervisor stats show and compute service list show this host', async () => {
    const hvs = await openstackJson<Array<{ ID: number; 'Hypervisor Hostname': string; State: string; 'Hypervisor Type': string }>>(['hypervisor', 'list'], admin);
    expect(hvs.length).toBeGreaterThanOrEqual(1);
    const up = hvs.find((h) => h.State === 'up')!;
    expect(up).toMatchObject({ 'Hypervisor Type': 'QEMU' });
    const hv = await openstackJson<Record<string, unknown>>(['hypervisor', 'show', String(up.ID)], admin);
    expect(hv).toMatchObject({ hypervisor_type: 'QEMU', state: 'up', status: 'enabled', vcpus: expect.any(Number), memory_mb: expect.any(Number) });
    expect(JSON.stringify(hv.cpu_info)).toMatch(/virt_type.*(kvm|qemu)/);
    const stats = await openstackJson<Record<string, number>>(['hypervisor', 'stats', 'show'], admin);
    expect(stats.count).toBeGreaterThanOrEqual(1);
    expect(stats.running_vms).toBeGreaterThanOrEqual(1);
    const services = await openstackJson<Array<{ Binary: string; Host: string; State: string; Status: string }>>(['compute', 'service', 'list'], admin);
    expect(services).toEqual(expect.arrayContaining([expect.objectContaining({ Binary: 'nova-compute', State: 'up', Status: 'enabled' })]));
    expect((await openstack(['hypervisor', 'list'], demo)).code).toBe(1);
  });

  it("a second create as demo over quota set --instances 1 is refused with Nova's message", async () => {
    await runCliOk('openstack', ['quota', 'set', '--instances', '1', 'demo'], admin);
    const before = await serverCount(demo);
    const r = await openstack(['server', 'create', '--image', 'kumo-tiny', '--flavor', 'tiny', uniqueName('kumo-over')], demo);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Quota exceeded for instances: Requested 1, but already used 1 of 1 instances');
    expect(await serverCount(demo)).toBe(before);
    await runCliOk('openstack', ['quota', 'set', '--instances', String(oldInstances), 'demo'], admin);
  });

  it("refuses bad input with 4xx and Nova's fault body, creating nothing", async () => {
    const image = (await runCliOk('openstack', ['image', 'show', 'kumo-tiny', '-f', 'value', '-c', 'id'], demo)).trim();
    const ok = { name: 'kumo-bad', imageRef: image, flavorRef: 'tiny' };
    const before = await serverCount(demo);
    const cases: Array<[string, unknown, number, string, RegExp]> = [
      ['unknown image', { ...ok, imageRef: '00000000-0000-4000-8000-000000000000' }, 400, 'badRequest', /^Image 00000000-0000-4000-8000-000000000000 could not be found\.$/],
      ['unknown flavor', { ...ok, flavorRef: 'no-such-flavor' }, 400, 'badRequest', /^Flavor no-such-flavor could not be found\.$/],
      ['imageRef not a UUID', { ...ok, imageRef: 'not-a-uuid' }, 400, 'badRequest', /imageRef|Invalid image/],
      ['name over 255', { ...ok, name: 'x'.repeat(256) }, 400, 'badRequest', /name/],
      ['user_data not base64', { ...ok, user_data: '!!not base64!!' }, 400, 'badRequest', /user_data/],
      ['user_data over 64 KiB', { ...ok, user_data: Buffer.alloc(49_200, 1).toString('base64') }, 400, 'badRequest', /user_data/],
      ['too many metadata items', { ...ok, metadata: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v'])) }, 403, 'forbidden', /Quota exceeded for metadata_items|metadata/i],
    ];
    for (const [what, server, status, key, message] of cases) {
      const r = await raw(demo, 'POST', '/servers', { server });
      expect({ what, status: r.status, key: Object.keys(r.body)[0] }).toEqual({ what, status, key });
      expect({ what, code: r.body[key].code, message: message.test(r.body[key].message) ? 'ok' : r.body[key].message }).toEqual({ what, code: status, message: 'ok' });
    }
    const notUuid = await raw(demo, 'GET', '/servers/not-a-uuid');
    expect(notUuid).toEqual({ status: 404, body: { itemNotFound: { code: 404, message: 'Instance not-a-uuid could not be found.' } } });
    expect(await serverCount(demo)).toBe(before);
  });

  it('a flavor too small for the image\'s min_ram or min_disk is refused (400)', async () => {
    const img = uniqueName('kumo-needs-more');
    const file = join(work, 'small.qcow2');
    await run('qemu-img', ['create', '-f', 'qcow2', file, '16M']);
    const created = await openstackJson<{ id: string }>(['image', 'create', '--file', file, '--disk-format', 'qcow2', '--container-format', 'bare', '--min-ram', '1024', '--min-disk', '1', img], demo);
    images.push(created.id);
    const ram = await openstack(['server', 'create', '--image', created.id, '--flavor', 'tiny', uniqueName('kumo-small')], demo);
    expect(ram.code).toBe(1);
    expect(ram.stderr).toContain("Flavor's memory is too small for requested image.");
    await runCliOk('openstack', ['image', 'set', '--min-ram', '0', '--min-disk', '5', created.id], demo);
    const disk = await raw(demo, 'POST', '/servers', { server: { name: 'kumo-small', imageRef: created.id, flavorRef: 'tiny' } });
    expect(disk.status).toBe(400);
    expect(disk.body.badRequest.message).toMatch(/^Flavor's disk is smaller than the minimum size specified in image metadata\. Flavor disk is 1073741824 bytes, minimum size is 5368709120 bytes\.$/);
  });

  it('server delete --wait leaves no domain and no disk', async () => {
    const id = vm!.id;
    expect(existsSync(join(INSTANCES, id))).toBe(true);
    const r = await openstack(['server', 'delete', '--wait', id], demo, { timeoutMs: 180_000 });
    expect(r.code).toBe(0);
    expect(await domstate(id)).toBe('missing');
    expect(existsSync(join(INSTANCES, id))).toBe(false);
    const gone = await openstack(['server', 'show', id], demo);
    expect(gone.code).toBe(1);
  });
});
