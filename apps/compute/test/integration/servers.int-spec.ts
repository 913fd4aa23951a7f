import { ComputeStack, FakeAgent, startComputeStack } from '../support/compute-stack';

/** Tempest's v2_1 server detail schema (API-SURFACE.md §2.3): required keys and every key allowed. */
const REQUIRED = ['id', 'name', 'status', 'image', 'flavor', 'user_id', 'tenant_id', 'created', 'updated', 'metadata', 'links', 'addresses', 'hostId'];
const ALLOWED = new Set([
  ...REQUIRED,
  'progress', 'accessIPv4', 'accessIPv6', 'OS-DCF:diskConfig', 'fault', 'key_name', 'security_groups', 'OS-SRV-USG:launched_at', 'OS-SRV-USG:terminated_at',
  'OS-EXT-AZ:availability_zone', 'OS-EXT-STS:task_state', 'OS-EXT-STS:vm_state', 'OS-EXT-STS:power_state', 'OS-EXT-SRV-ATTR:host', 'OS-EXT-SRV-ATTR:instance_name',
  'OS-EXT-SRV-ATTR:hypervisor_hostname', 'os-extended-volumes:volumes_attached', 'config_drive',
]);

describe('servers: create → scheduled → built by an agent over the bus → ACTIVE, and what follows', () => {
  let s: ComputeStack;
  let agent: FakeAgent;
  let imageId: string;
  const flavors: Record<string, string> = {};

  beforeAll(async () => {
    s = await startComputeStack();
    agent = await s.agent('node-1', { memoryMb: 16384, vcpus: 8, localGb: 200 });
    imageId = s.images.add({ min_disk: 1, min_ram: 128 }).id;
    for (const [name, ram, vcpus, disk] of [['tiny', 256, 1, 1], ['small', 2048, 1, 20], ['huge', 40960, 2, 20], ['nodisk', 256, 1, 0]] as const) {
      const r = await s.t.json('admin', 'POST', '/v2.1/flavors', { flavor: { name, ram, vcpus, disk } });
      if (r.status !== 200) throw new Error(`flavor ${name}: ${r.status}`);
      flavors[name] = r.body.flavor.id;
    }
  });
  afterAll(async () => {
    await s.close();
  });

  const create = (who: string, server: Record<string, unknown>) => s.t.json(who, 'POST', '/v2.1/servers', { server: { name: 'vm', imageRef: imageId, flavorRef: flavors.tiny, ...server } });

  it('answers 202 with only id, links, adminPass, OS-DCF:diskConfig and security_groups, a Location, and the server reaches ACTIVE', async () => {
    const r = await create('demo', { name: 'vm1', metadata: { role: 'web' } });
    expect(r.status).toBe(202);
    expect(Object.keys(r.body.server).sort()).toEqual(['OS-DCF:diskConfig', 'adminPass', 'id', 'links', 'security_groups']);
    expect(r.body.server.security_groups).toEqual([{ name: 'default' }]);
    expect(r.headers.get('location')).toBe(`http://127.0.0.1:8774/v2.1/servers/${r.body.server.id}`);
    const server = await s.waitFor('demo', r.body.server.id, (v) => v?.status === 'ACTIVE');
    expect(server['OS-EXT-STS:task_state']).toBeNull();
    expect(server['OS-EXT-STS:vm_state']).toBe('active');
    expect(server['OS-EXT-STS:power_state']).toBe(1);
    for (const k of REQUIRED) expect(server).toHaveProperty([k]);
    for (const k of Object.keys(server)) expect(ALLOWED.has(k)).toBe(true);
    expect(server).not.toHaveProperty(['OS-EXT-SRV-ATTR:host']);
    expect(server.metadata).toEqual({ role: 'web' });
    expect(server.image).toEqual({ id: imageId, links: [{ rel: 'bookmark', href: `http://127.0.0.1:8774/images/${imageId}` }] });
    expect(server.hostId).toMatch(/^[0-9a-f]{56}$/);
    expect(server['OS-SRV-USG:launched_at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    expect(server['OS-EXT-AZ:availability_zone']).toBe('nova');
    expect(agent.builds).toContain(r.body.server.id);
    const admin = await s.t.json('admin', 'GET', `/v2.1/servers/${r.body.server.id}`);
    expect(admin.body.server['OS-EXT-SRV-ATTR:host']).toBe('node-1');
    expect(admin.body.server['OS-EXT-SRV-ATTR:hypervisor_hostname']).toBe('node-1.lab');
    // the node carries the claim
    const hv = await s.t.json('admin', 'GET', '/v2.1/os-hypervisors/detail');
    expect(hv.body.hypervisors[0].memory_mb_used).toBeGreaterThanOrEqual(256);
    // os-instance-actions: the create with its steps
    const actions = await s.t.json('demo', 'GET', `/v2.1/servers/${r.body.server.id}/os-instance-actions`);
    expect(actions.body.instanceActions.map((a: { action: string }) => a.action)).toEqual(['create']);
    const one = await s.t.json('demo', 'GET', `/v2.1/servers/${r.body.server.id}/os-instance-actions/${actions.body.instanceActions[0].request_id}`);
    const events = one.body.instanceAction.events.map((e: { event: string; result: string }) => `${e.event}:${e.result}`);
    expect(events).toEqual(expect.arrayContaining(['conductor_schedule_and_build_instances:Success']));
  });

  it('lists {id, name, links} and the detail with filters (name regex, status) and pagination; demo never sees admin servers', async () => {
    const mine = await create('admin', { name: 'admin-only' });
    await s.waitFor('admin', mine.body.server.id, (v) => v?.status === 'ACTIVE');
    const list = await s.t.json('demo', 'GET', '/v2.1/servers');
    expect(list.status).toBe(200);
    for (const item of list.body.servers) expect(Object.keys(item).sort()).toEqual(['id', 'links', 'name']);
    expect(list.body.servers.map((x: { name: string }) => x.name)).not.toContain('admin-only');
    expect((await s.t.json('demo', 'GET', `/v2.1/servers/${mine.body.server.id}`)).status).toBe(404);
    expect((await s.t.json('demo', 'DELETE', `/v2.1/servers/${mine.body.server.id}`)).status).toBe(404);
    expect((await s.t.json('demo', 'POST', `/v2.1/servers/${mine.body.server.id}/action`, { 'os-stop': null })).status).toBe(404);
    const byName = await s.t.json('demo', 'GET', '/v2.1/servers/detail?name=^vm1$');
    expect(byName.body.servers.map((x: { name: string }) => x.name)).toEqual(['vm1']);
    const all = await s.t.json('admin', 'GET', '/v2.1/servers/detail?all_tenants=1&status=ACTIVE');
    expect(all.body.servers.length).toBeGreaterThanOrEqual(2);
    expect((await s.t.json('demo', 'GET', '/v2.1/servers?all_tenants=1')).status).toBe(403);
    const page = await s.t.json('admin', 'GET', '/v2.1/servers?all_tenants=1&limit=1');
    expect(page.body.servers).toHaveLength(1);
    expect(page.body.servers_links[0].href).toContain(`marker=${page.body.servers[0].id}`);
    const next = await s.t.json('admin', 'GET', `/v2.1/servers?all_tenants=1&limit=1&marker=${page.body.servers[0].id}`);
    expect(next.body.servers[0].id).not.toBe(page.body.servers[0].id);
    expect((await s.t.json('demo', 'GET', '/v2.1/servers/not-a-server')).body).toEqual({ itemNotFound: { code: 404, message: 'Instance not-a-server could not be found.' } });
  });

  it('refuses bad input with Nova 4xx bodies and creates nothing', async () => {
    const before = (await s.t.json('demo', 'GET', '/v2.1/servers')).body.servers.length;
    const cases: Array<[Record<string, unknown>, number, string | RegExp]> = [
      [{ imageRef: '8b3c1e4a-0000-4000-8000-000000000000' }, 400, 'Image 8b3c1e4a-0000-4000-8000-000000000000 could not be found.'],
      [{ flavorRef: 'nope' }, 400, 'Flavor nope could not be found.'],
      [{ imageRef: 'zzz' }, 400, /imageRef/],
      [{ name: 'x'.repeat(256) }, 400, /is too long/],
      [{ user_data: 'not base64!' }, 400, /user_data/],
      [{ user_data: 'QUFB'.repeat(16384) }, 400, /is too long/],
      [{ key_name: 'missing' }, 400, 'Invalid key_name provided.'],
      [{ availability_zone: 'nowhere' }, 400, 'The requested availability zone is not available'],
      [{ min_count: 3, max_count: 2 }, 400, 'min_count must be <= max_count'],
      [{ metadata: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v'])) }, 403, 'Maximum number of metadata items exceeds 128'],
      [{ bogus: 1 }, 400, /Additional properties are not allowed/],
    ];
    for (const [server, status, message] of cases) {
      const r = await create('demo', server);
      expect([JSON.stringify(server).slice(0, 60), r.status]).toEqual([JSON.stringify(server).slice(0, 60), status]);
      const body = r.body[Object.keys(r.body)[0]] as { message: string };
      expect(body.message).toMatch(typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
    }
    // the flavor is smaller than the image needs: 400
    const big = s.images.add({ min_disk: 30 });
    expect((await create('demo', { imageRef: big.id, flavorRef: flavors.small })).body.badRequest.message).toBe(
      `Flavor's disk is smaller than the minimum size specified in image metadata. Flavor disk is ${20 * 1024 ** 3} bytes, minimum size is ${30 * 1024 ** 3} bytes.`,
    );
    const hungry = s.images.add({ min_ram: 4096 });
    expect((await create('demo', { imageRef: hungry.id, flavorRef: flavors.small })).body.badRequest.message).toBe("Flavor's memory is too small for requested image.");
    const privateImage = s.images.add({ owner: 'p-admin', visibility: 'private' });
    expect((await create('demo', { imageRef: privateImage.id })).status).toBe(400);
    expect((await s.t.json('demo', 'GET', '/v2.1/servers')).body.servers.length).toBe(before);
  });

  it('a flavor larger than any host: ERROR with a fault naming the filter and the numbers', async () => {
    const r = await create('demo', { name: 'too-big', flavorRef: flavors.huge });
    expect(r.status).toBe(202);
    const server = await s.waitFor('demo', r.body.server.id, (v) => v?.status === 'ERROR');
    expect(server.fault.code).toBe(500);
    expect(server.fault.message).toMatch(/^No valid host: 1 host; RamFilter removed 1 \(needs 40960 MiB, largest free \d+ MiB on node-1\)$/);
    expect(server.fault.created).toMatch(/Z$/);
    expect(server).not.toHaveProperty(['fault', 'details']);
    const admin = await s.t.json('admin', 'GET', `/v2.1/servers/${r.body.server.id}`);
    expect(admin.body.server.fault.details).toContain('NoValidHost');
    // the failed server holds no claim: deleting it is immediate
    expect((await s.t.json('demo', 'DELETE', `/v2.1/servers/${r.body.server.id}`)).status).toBe(204);
    expect((await s.t.json('demo', 'GET', `/v2.1/servers/${r.body.server.id}`)).status).toBe(404);
  });

  it('power actions reach the agent and the right states; a wrong state is Nova 409', async () => {
    const r = await create('demo', { name: 'power' });
    const id = r.body.server.id;
    await s.waitFor('demo', id, (v) => v?.status === 'ACTIVE');
    const act = (body: unknown) => s.t.json('demo', 'POST', `/v2.1/servers/${id}/action`, body);
    expect((await act({ 'os-stop': null })).status).toBe(202);
    await s.waitFor('demo', id, (v) => v?.status === 'SHUTOFF' && v['OS-EXT-STS:task_state'] === null);
    const again = await act({ 'os-stop': null });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ conflictingRequest: { code: 409, message: `Cannot 'stop' instance ${id} while it is in vm_state stopped` } });
    expect((await act({ pause: null })).body.conflictingRequest.message).toBe(`Cannot 'pause' instance ${id} while it is in vm_state stopped`);
    expect((await act({ 'os-start': null })).status).toBe(202);
    await s.waitFor('demo', id, (v) => v?.status === 'ACTIVE' && v['OS-EXT-STS:task_state'] === null);
    for (const [body, status] of [[{ reboot: { type: 'HARD' } }, 'ACTIVE'], [{ pause: null }, 'PAUSED'], [{ unpause: null }, 'ACTIVE'], [{ suspend: null }, 'SUSPENDED'], [{ resume: null }, 'ACTIVE'], [{ reboot: { type: 'SOFT' } }, 'ACTIVE']] as const) {
      expect((await act(body)).status).toBe(202);
      await s.waitFor('demo', id, (v) => v?.status === status && v['OS-EXT-STS:task_state'] === null);
    }
    expect(agent.casts.filter((c) => c.instanceId === id).map((c) => c.method)).toEqual(['powerAction:stop', 'powerAction:start', 'powerAction:reboot_hard', 'powerAction:pause', 'powerAction:unpause', 'powerAction:suspend', 'powerAction:resume', 'powerAction:reboot_soft']);
    expect((await act({ reboot: { type: 'LATER' } })).status).toBe(400);
    expect((await act({ 'os-fly': null })).body).toEqual({ badRequest: { code: 400, message: 'There is no such action: os-fly' } });
    const out = await act({ 'os-getConsoleOutput': { length: 2 } });
    expect(out.body).toEqual({ output: `KUMO-GUEST-READY\nuuid ${id}\n` });
    expect(out.status).toBe(200); // Nova's 200, not Nest's default 201 for a POST
    const img = await act({ createImage: { name: 'snap-1' } });
    expect(img.status).toBe(202);
    const created = s.images.created.find((c) => c.name === 'snap-1')!;
    expect(img.headers.get('location')).toBe(`http://127.0.0.1:8774/images/${created.id}`);
    expect(created).toMatchObject({ projectId: 'p-demo', properties: expect.objectContaining({ image_type: 'snapshot', instance_uuid: id }) });
    await s.waitFor('demo', id, (v) => v?.['OS-EXT-STS:task_state'] === null);
    expect(agent.casts).toContainEqual({ method: `snapshotInstance:${created.id}`, instanceId: id });
    // os-resetState is admin's
    expect((await act({ 'os-resetState': { state: 'error' } })).status).toBe(403);
    expect((await s.t.json('admin', 'POST', `/v2.1/servers/${id}/action`, { 'os-resetState': { state: 'error' } })).status).toBe(202);
    expect((await s.t.json('demo', 'GET', `/v2.1/servers/${id}`)).body.server.status).toBe('ERROR');
    const actions = (await s.t.json('demo', 'GET', `/v2.1/servers/${id}/os-instance-actions`)).body.instanceActions.map((a: { action: string }) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['create', 'stop', 'start', 'reboot', 'pause', 'unpause', 'suspend', 'resume', 'createImage', 'resetState']));
  });

  it('metadata: list, replace, merge, item get/put/delete, and the quota', async () => {
    const r = await create('demo', { name: 'meta', metadata: { a: '1' } });
    const id = r.body.server.id;
    const base = `/v2.1/servers/${id}/metadata`;
    // PUT /servers/{id} renames; below 2.75 Nova answers the reduced view (no OS-EXT-*, key_name, ...)
    const renamed = await s.t.json('demo', 'PUT', `/v2.1/servers/${id}`, { server: { name: 'meta-renamed' } });
    expect(renamed.status).toBe(200);
    expect(renamed.body.server).toMatchObject({ id, name: 'meta-renamed', metadata: { a: '1' } });
    expect(renamed.body.server).not.toHaveProperty('OS-EXT-STS:vm_state');
    expect((await s.t.json('demo', 'GET', `/v2.1/servers/${id}`)).body.server).toMatchObject({ name: 'meta-renamed', 'OS-EXT-STS:vm_state': expect.any(String) });
    expect((await s.t.json('demo', 'GET', base)).body).toEqual({ metadata: { a: '1' } });
    expect((await s.t.json('demo', 'POST', base, { metadata: { b: '2' } })).body).toEqual({ metadata: { a: '1', b: '2' } });
    expect((await s.t.json('demo', 'PUT', base, { metadata: { c: '3' } })).body).toEqual({ metadata: { c: '3' } });
    expect((await s.t.json('demo', 'PUT', `${base}/d`, { meta: { d: '4' } })).body).toEqual({ meta: { d: '4' } });
    expect((await s.t.json('demo', 'GET', `${base}/d`)).body).toEqual({ meta: { d: '4' } });
    expect((await s.t.json('demo', 'PUT', `${base}/d`, { meta: { e: '5' } })).body.badRequest.message).toBe('Request body and URI mismatch');
    expect((await s.t.json('demo', 'DELETE', `${base}/d`)).status).toBe(204);
    expect((await s.t.json('demo', 'GET', `${base}/d`)).status).toBe(404);
    const many = Object.fromEntries(Array.from({ length: 128 }, (_, i) => [`k${i}`, 'v']));
    expect((await s.t.json('demo', 'POST', base, { metadata: many })).status).toBe(403);
  });

  it('delete: 204, terminate cast to the host, then 404, with quota and claim given back', async () => {
    const r = await create('demo', { name: 'doomed' });
    const id = r.body.server.id;
    await s.waitFor('demo', id, (v) => v?.status === 'ACTIVE');
    const used = async () => (await s.t.json('demo', 'GET', '/v2.1/limits')).body.limits.absolute.totalInstancesUsed as number;
    const before = await used();
    const node = async () => (await s.t.json('admin', 'GET', '/v2.1/os-hypervisors/detail')).body.hypervisors[0].memory_mb_used as number;
    const ramBefore = await node();
    // two DELETEs at once (a user's double click): both 204, and once the server is gone no delete action is left open
    const [first, second] = await Promise.all([s.t.json('demo', 'DELETE', `/v2.1/servers/${id}`), s.t.json('demo', 'DELETE', `/v2.1/servers/${id}`)]);
    expect([first.status, second.status]).toEqual([204, 204]);
    await s.waitFor('demo', id, (v) => v === undefined);
    expect(agent.casts).toContainEqual({ method: 'terminateInstance', instanceId: id });
    const deletes = async () => (await s.t.db.dataSource.query("SELECT finish_time FROM instance_action WHERE instance_uuid = ? AND action = 'delete'", [id])) as Array<{ finish_time: Date | null }>;
    for (let tries = 0; tries < 50 && (await deletes()).some((a) => a.finish_time === null); tries++) await new Promise((r) => setTimeout(r, 100));
    expect((await deletes()).length).toBe(2);
    expect((await deletes()).filter((a) => a.finish_time === null)).toEqual([]);
    expect(await used()).toBe(before - 1);
    expect(await node()).toBe(ramBefore - 256);
    // changes-since shows it as DELETED
    const since = await s.t.json('demo', 'GET', `/v2.1/servers/detail?changes-since=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`);
    expect(since.body.servers.find((x: { id: string }) => x.id === id).status).toBe('DELETED');
  }, 30_000);

  it('min_count/max_count: names name-1..N, one reservation', async () => {
    const r = await create('demo', { name: 'multi', min_count: 3, max_count: 3 });
    expect(r.status).toBe(202);
    const list = await s.t.json('demo', 'GET', '/v2.1/servers?name=^multi-');
    expect(list.body.servers.map((x: { name: string }) => x.name).sort()).toEqual(['multi-1', 'multi-2', 'multi-3']);
    for (const x of list.body.servers) await s.waitFor('demo', x.id, (v) => v?.status === 'ACTIVE');
  });

  it('hypervisors, services (disable/enable) and availability zones', async () => {
    expect((await s.t.json('demo', 'GET', '/v2.1/os-hypervisors')).status).toBe(403);
    const list = await s.t.json('admin', 'GET', '/v2.1/os-hypervisors');
    expect(list.body.hypervisors).toEqual([{ id: expect.any(Number), hypervisor_hostname: 'node-1.lab', state: 'up', status: 'enabled' }]);
    const stats = await s.t.json('admin', 'GET', '/v2.1/os-hypervisors/statistics');
    expect(stats.body.hypervisor_statistics).toMatchObject({ count: 1, vcpus: 8, memory_mb: 16384 });
    expect((await s.t.json('admin', 'GET', `/v2.1/os-hypervisors/${list.body.hypervisors[0].id}`)).body.hypervisor.host_ip).toBe('192.0.2.10');
    expect((await s.t.json('admin', 'GET', '/v2.1/os-hypervisors/999999')).status).toBe(404);
    // reports and heartbeats keep the ids (no auto-increment id spent per report)
    for (let i = 0; i < 3; i++) await agent.report({ runningVms: i });
    // reports are casts: wait until the conductor applied the last one (100 ms was not enough on CI's loaded machine)
    let again = await s.t.json('admin', 'GET', '/v2.1/os-hypervisors/detail');
    for (let tries = 0; tries < 100 && again.body.hypervisors[0]?.running_vms !== 2; tries++) {
      await new Promise((r) => setTimeout(r, 100));
      again = await s.t.json('admin', 'GET', '/v2.1/os-hypervisors/detail');
    }
    expect(again.body.hypervisors.map((h: { id: number }) => h.id)).toEqual([list.body.hypervisors[0].id]);
    expect(again.body.hypervisors[0].running_vms).toBe(2);
    const ids = ((await s.t.db.dataSource.query('SELECT id FROM compute_service ORDER BY id')) as Array<{ id: number }>).map((r) => r.id);
    expect(ids).toEqual([1, 2, 3]);
    const services = await s.t.json('admin', 'GET', '/v2.1/os-services');
    expect(services.body.services.map((x: { binary: string; host: string; state: string }) => `${x.binary}@${x.host}:${x.state}`).sort()).toEqual(['nova-compute@node-1:up', 'nova-conductor@sched-1:up', 'nova-scheduler@sched-1:up']);
    const off = await s.t.json('admin', 'PUT', '/v2.1/os-services/disable-log-reason', { host: 'node-1', binary: 'nova-compute', disabled_reason: 'maintenance' });
    expect(off.body).toEqual({ service: { host: 'node-1', binary: 'nova-compute', status: 'disabled', disabled_reason: 'maintenance' } });
    const r = await create('demo', { name: 'nowhere' });
    const server = await s.waitFor('demo', r.body.server.id, (v) => v?.status === 'ERROR');
    expect(server.fault.message).toBe('No valid host: 1 host; ComputeFilter removed 1 (node-1 disabled: maintenance)');
    expect((await s.t.json('admin', 'PUT', '/v2.1/os-services/enable', { host: 'node-1', binary: 'nova-compute' })).body).toEqual({ service: { host: 'node-1', binary: 'nova-compute', status: 'enabled' } });
    expect((await s.t.json('demo', 'GET', '/v2.1/os-availability-zone')).body).toEqual({ availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true }, hosts: null }] });
    const detail = await s.t.json('admin', 'GET', '/v2.1/os-availability-zone/detail');
    expect(detail.body.availabilityZoneInfo.find((z: { zoneName: string }) => z.zoneName === 'nova').hosts['node-1']['nova-compute']).toMatchObject({ available: true, active: true });
    const usage = await s.t.json('demo', 'GET', `/v2.1/os-simple-tenant-usage/p-demo?start=${new Date(Date.now() - 3_600_000).toISOString().slice(0, 19)}`);
    expect(usage.body.tenant_usage.server_usages.length).toBeGreaterThan(0);
  }, 30_000); // the report wait below may take up to 10 s on a loaded machine
});
