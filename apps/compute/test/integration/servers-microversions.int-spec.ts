// The servers API per microversion (2.3's admin attributes, 2.5's ip6 for everyone) and the admin
// password's way from the create to the build (the config drive's admin_pass), through the API, the
// scheduler and a fake agent on the in-memory bus.
import { ComputeStack, FakeAgent, startComputeStack } from '../support/compute-stack';

const v = (version: string) => ({ 'openstack-api-version': `compute ${version}` });

describe('servers per microversion, and the admin password', () => {
  let s: ComputeStack;
  let agent: FakeAgent;
  let imageId: string;
  let flavorId: string;

  beforeAll(async () => {
    s = await startComputeStack();
    agent = await s.agent('node-1', { memoryMb: 16384, vcpus: 8, localGb: 200 });
    imageId = s.images.add({ min_disk: 1, min_ram: 128, properties: { kernel_id: 'kernel-1' } }).id;
    const r = await s.t.json('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'tiny', ram: 256, vcpus: 1, disk: 1 } });
    flavorId = r.body.flavor.id;
  });
  afterAll(async () => {
    await s?.close();
  });

  const create = (server: Record<string, unknown>) => s.t.json('demo', 'POST', '/v2.1/servers', { server: { name: 'mv', imageRef: imageId, flavorRef: flavorId, ...server } });

  it('answers the given adminPass and hands it to the build; a generated one is Nova-like and the same in both', async () => {
    const given = await create({ name: 'pw-given', adminPass: 'S3cret-given' });
    expect(given.status).toBe(202);
    expect(given.body.server.adminPass).toBe('S3cret-given');
    await s.waitFor('demo', given.body.server.id, (x) => x?.status === 'ACTIVE');
    expect(agent.adminPasses.get(given.body.server.id)).toBe('S3cret-given');

    const generated = await create({ name: 'pw-gen', min_count: 2, max_count: 2 });
    const pass = generated.body.server.adminPass as string;
    expect(pass).toMatch(/^[2-9A-HJ-NP-Za-km-z]{12}$/);
    const ids = (await s.t.json('demo', 'GET', '/v2.1/servers?name=^pw-gen-')).body.servers.map((x: { id: string }) => x.id);
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      await s.waitFor('demo', id, (x) => x?.status === 'ACTIVE');
      // one password per request, as Nova's admin_password
      expect(agent.adminPasses.get(id)).toBe(pass);
    }
    // never stored: no column of the instance row holds it
    const rows = await s.t.db.dataSource.query('SELECT * FROM instance WHERE uuid = ?', [given.body.server.id]);
    expect(JSON.stringify(rows)).not.toContain('S3cret-given');
  });

  it("shows an admin 2.3's extended attributes from 2.3 on, not at 2.1/2.2, and never to the owner", async () => {
    const r = await create({ name: 'attrs', user_data: Buffer.from('#!/bin/sh\necho hi\n').toString('base64') });
    const id = r.body.server.id as string;
    await s.waitFor('demo', id, (x) => x?.status === 'ACTIVE');
    const at = async (who: string, version: string) => (await s.t.json(who, 'GET', `/v2.1/servers/${id}`, undefined, v(version))).body.server as Record<string, unknown>;
    const admin23 = await at('admin', '2.3');
    expect(admin23).toMatchObject({
      'OS-EXT-SRV-ATTR:hostname': 'attrs',
      'OS-EXT-SRV-ATTR:kernel_id': 'kernel-1',
      'OS-EXT-SRV-ATTR:launch_index': 0,
      'OS-EXT-SRV-ATTR:ramdisk_id': '',
      'OS-EXT-SRV-ATTR:reservation_id': expect.stringMatching(/^r-[0-9a-f]{8}$/),
      'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
      'OS-EXT-SRV-ATTR:user_data': Buffer.from('#!/bin/sh\necho hi\n').toString('base64'),
      'OS-EXT-SRV-ATTR:host': 'node-1',
    });
    const detail = (await s.t.json('admin', 'GET', '/v2.1/servers/detail?all_tenants=1&name=^attrs$', undefined, v('2.6'))).body.servers[0];
    expect(detail['OS-EXT-SRV-ATTR:reservation_id']).toBe(admin23['OS-EXT-SRV-ATTR:reservation_id']);
    for (const version of ['2.1', '2.2']) expect(Object.keys(await at('admin', version)).filter((k) => k.startsWith('OS-EXT-SRV-ATTR:')).sort()).toEqual(['OS-EXT-SRV-ATTR:host', 'OS-EXT-SRV-ATTR:hypervisor_hostname', 'OS-EXT-SRV-ATTR:instance_name']);
    expect(Object.keys(await at('demo', '2.6')).filter((k) => k.startsWith('OS-EXT-SRV-ATTR:'))).toEqual([]);
  });

  it("filters on ip6 for a member from 2.5 (before, Nova drops the filter); ip always; admins' ip6 at any version", async () => {
    const names = async (who: string, query: string, version: string) => (await s.t.json(who, 'GET', `/v2.1/servers/detail?${query}`, undefined, v(version))).body.servers.map((x: { name: string }) => x.name);
    // no server has a fixed address yet (ports come with the network service): a filter that applies matches none
    expect(await names('demo', 'ip6=.*', '2.4')).toContain('attrs');
    expect(await names('demo', 'ip6=.*', '2.5')).toEqual([]);
    expect(await names('demo', 'ip=.*', '2.1')).toEqual([]);
    expect(await names('admin', 'all_tenants=1&ip6=.*', '2.1')).toEqual([]);
    expect((await s.t.json('demo', 'GET', '/v2.1/servers?ip6=(', undefined, v('2.5'))).status).toBe(400);
  });
});

describe('enable_instance_password off', () => {
  let s: ComputeStack;
  let agent: FakeAgent;
  beforeAll(async () => {
    s = await startComputeStack({ enable_instance_password: false });
    agent = await s.agent('node-1', { memoryMb: 16384, vcpus: 8, localGb: 200 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it("leaves adminPass out of the 202, as Nova's [api] enable_instance_password = False; the build still gets the password", async () => {
    const imageId = s.images.add({ min_disk: 1, min_ram: 128 }).id;
    const flavor = (await s.t.json('admin', 'POST', '/v2.1/flavors', { flavor: { name: 'tiny', ram: 256, vcpus: 1, disk: 1 } })).body.flavor.id;
    const r = await s.t.json('demo', 'POST', '/v2.1/servers', { server: { name: 'nopw', imageRef: imageId, flavorRef: flavor, adminPass: 'Quiet-pass-9' } });
    expect(r.status).toBe(202);
    expect(Object.keys(r.body.server).sort()).toEqual(['OS-DCF:diskConfig', 'id', 'links', 'security_groups']);
    await s.waitFor('demo', r.body.server.id, (x) => x?.status === 'ACTIVE');
    expect(agent.adminPasses.get(r.body.server.id)).toBe('Quiet-pass-9');
  });
});
