import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startComputeApp, TestComputeApp } from '../support/app';

const DEFAULTS = {
  cores: 20,
  fixed_ips: -1,
  floating_ips: -1,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
  injected_files: 5,
  instances: 10,
  key_pairs: 100,
  metadata_items: 128,
  ram: 51200,
  security_group_rules: -1,
  security_groups: -1,
  server_group_members: 10,
  server_groups: 10,
};

describe('quotas and limits', () => {
  let t: TestComputeApp;
  beforeAll(async () => {
    t = await startComputeApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it("shows a project's quota set (Nova's defaults), its defaults and its detail with usage", async () => {
    expect((await t.json('demo', 'GET', '/v2.1/os-quota-sets/p-demo')).body).toEqual({ quota_set: { id: 'p-demo', ...DEFAULTS } });
    expect((await t.json('demo', 'GET', '/v2.1/os-quota-sets/p-demo/defaults')).body).toEqual({ quota_set: { id: 'p-demo', ...DEFAULTS } });
    const detail = await t.json('reader', 'GET', '/v2.1/os-quota-sets/p-demo/detail');
    expect(detail.body.quota_set.id).toBe('p-demo');
    expect(detail.body.quota_set.cores).toEqual({ limit: 20, in_use: 0, reserved: 0 });
    expect(Object.keys(detail.body.quota_set).sort()).toEqual(['id', ...Object.keys(DEFAULTS)].sort());
  });

  it("lets only admins update (answer without id) and refuses another project's reader, bad values and unknown projects", async () => {
    expect((await t.json('demo', 'GET', '/v2.1/os-quota-sets/p-other')).body).toEqual({ forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed." } });
    expect((await t.json('demo', 'PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { cores: 4 } })).status).toBe(403);
    const upd = await t.json('admin', 'PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { cores: 4, ram: '4096', key_pairs: 2 } });
    expect(upd.status).toBe(200);
    expect(upd.body).toEqual({ quota_set: { ...DEFAULTS, cores: 4, ram: 4096, key_pairs: 2 } });
    expect((await t.json('demo', 'GET', '/v2.1/os-quota-sets/p-demo')).body.quota_set).toMatchObject({ cores: 4, ram: 4096, key_pairs: 2, instances: 10 });
    expect((await t.json('admin', 'PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { cores: -2 } })).body.badRequest.message).toBe('Invalid input for field/attribute cores. Value: -2. -2 is less than the minimum of -1');
    expect((await t.json('admin', 'PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { networks: 1 } })).body.badRequest.message).toMatch(/Additional properties are not allowed \('networks' was unexpected\)/);
    expect((await t.json('admin', 'PUT', '/v2.1/os-quota-sets/p-demo', { quota_set: { cores: 'many' } })).status).toBe(400);
    expect((await t.json('admin', 'GET', '/v2.1/os-quota-sets/p-ghost')).body).toEqual({ badRequest: { code: 400, message: 'Project ID p-ghost is not a valid project.' } });
  });

  it("takes a user's own limits within the project, not above the project's unless forced, and reverts with DELETE (202)", async () => {
    expect((await t.json('admin', 'PUT', '/v2.1/os-quota-sets/p-demo?user_id=u-demo2', { quota_set: { key_pairs: 5 } })).body).toEqual({
      badRequest: { code: 400, message: 'Quota limit 5 for key_pairs must be less than or equal to 2.' },
    });
    expect((await t.json('admin', 'PUT', '/v2.1/os-quota-sets/p-demo?user_id=u-demo2', { quota_set: { key_pairs: 1 } })).body.quota_set.key_pairs).toBe(1);
    expect((await t.json('admin', 'GET', '/v2.1/os-quota-sets/p-demo?user_id=u-demo2')).body.quota_set.key_pairs).toBe(1);
    expect((await t.json('admin', 'GET', '/v2.1/os-quota-sets/p-demo')).body.quota_set.key_pairs).toBe(2);
    expect((await t.as('admin', '/v2.1/os-quota-sets/p-demo?user_id=u-demo2', { method: 'DELETE' })).status).toBe(202);
    expect((await t.json('admin', 'GET', '/v2.1/os-quota-sets/p-demo?user_id=u-demo2')).body.quota_set.key_pairs).toBe(2);
  });

  it('shows limits with what is used; another project only to admins (tenant_id)', async () => {
    const limits = await t.json('demo', 'GET', '/v2.1/limits');
    expect(limits.body).toEqual({
      limits: {
        rate: [],
        absolute: {
          maxImageMeta: 128,
          maxPersonality: 5,
          maxPersonalitySize: 10240,
          maxSecurityGroupRules: -1,
          maxSecurityGroups: -1,
          maxServerMeta: 128,
          maxTotalCores: 4,
          maxTotalFloatingIps: -1,
          maxTotalInstances: 10,
          maxTotalKeypairs: 2,
          maxTotalRAMSize: 4096,
          maxServerGroups: 10,
          maxServerGroupMembers: 10,
          totalCoresUsed: 0,
          totalInstancesUsed: 0,
          totalRAMUsed: 0,
          totalSecurityGroupsUsed: 0,
          totalFloatingIpsUsed: 0,
          totalServerGroupsUsed: 0,
        },
      },
    });
    expect((await t.json('admin', 'GET', '/v2.1/limits?tenant_id=p-demo')).body.limits.absolute.maxTotalCores).toBe(4);
    expect((await t.json('demo', 'GET', '/v2.1/limits?tenant_id=p-other')).body).toEqual({ forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:limits:other_project to be performed." } });
  });

  it('enforces the key pair quota with 403, and a revert restores the default', async () => {
    const key = readFileSync(join(__dirname, '../fixtures/ed.pub'), 'utf8');
    for (const name of ['q1', 'q2']) expect((await t.json('demo', 'POST', '/v2.1/os-keypairs', { keypair: { name, public_key: key } })).status).toBe(200);
    expect(await t.json('demo', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'q3', public_key: key } })).toEqual(
      expect.objectContaining({ status: 403, body: { forbidden: { code: 403, message: 'Quota exceeded, too many key pairs.' } } }),
    );
    // over quota wins over an invalid key and a taken name, as in Nova
    expect((await t.json('demo', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'q1', public_key: 'junk' } })).status).toBe(403);
    expect((await t.as('admin', '/v2.1/os-quota-sets/p-demo', { method: 'DELETE' })).status).toBe(202);
    expect((await t.json('demo', 'POST', '/v2.1/os-keypairs', { keypair: { name: 'q3', public_key: key } })).status).toBe(200);
  });

  it('lets exactly one of many concurrent key pair creations through at a quota of 1 (race-free usage row)', async () => {
    expect((await t.json('admin', 'PUT', '/v2.1/os-quota-sets/p-other', { quota_set: { key_pairs: 1 } })).status).toBe(200);
    const key = readFileSync(join(__dirname, '../fixtures/rsa.pub'), 'utf8');
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => t.json('other', 'POST', '/v2.1/os-keypairs', { keypair: { name: `race-${round}-${i}`, public_key: key } })));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 403)).toHaveLength(11);
      const rows = await t.db.dataSource.query("SELECT COUNT(*) AS n FROM key_pair WHERE user_id = 'u-other'");
      expect(Number(rows[0].n)).toBe(1);
      const created = answers.find((a) => a.status === 200)!.body.keypair.name as string;
      expect((await t.as('other', `/v2.1/os-keypairs/${created}`, { method: 'DELETE' })).status).toBe(202);
    }
    const usage = await t.db.dataSource.query("SELECT in_use FROM quota_usage WHERE project_id = '' AND user_id = 'u-other' AND resource = 'key_pairs'");
    expect(Number(usage[0].in_use)).toBe(0);
  });

  it('counts concurrent deletes and creates of one user exactly (usage equals the rows)', async () => {
    expect((await t.json('admin', 'PUT', '/v2.1/os-quota-sets/p-other', { quota_set: { key_pairs: 100 } })).status).toBe(200);
    const key = readFileSync(join(__dirname, '../fixtures/ec.pub'), 'utf8');
    await Promise.all(Array.from({ length: 10 }, (_, i) => t.json('other', 'POST', '/v2.1/os-keypairs', { keypair: { name: `mix-${i}`, public_key: key } })));
    await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => t.as('other', `/v2.1/os-keypairs/mix-${i}`, { method: 'DELETE' })),
      ...Array.from({ length: 5 }, (_, i) => t.json('other', 'POST', '/v2.1/os-keypairs', { keypair: { name: `mix-new-${i}`, public_key: key } })),
      ...Array.from({ length: 3 }, () => t.as('other', '/v2.1/os-keypairs/mix-9', { method: 'DELETE' })),
    ]);
    const [{ n }] = await t.db.dataSource.query("SELECT COUNT(*) AS n FROM key_pair WHERE user_id = 'u-other'");
    const [{ in_use }] = await t.db.dataSource.query("SELECT in_use FROM quota_usage WHERE project_id = '' AND user_id = 'u-other' AND resource = 'key_pairs'");
    expect(Number(n)).toBe(9);
    expect(Number(in_use)).toBe(9);
  });
});
