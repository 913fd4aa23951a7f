import { startComputeApp, TestComputeApp } from '../support/app';

describe('flavor access and extra specs', () => {
  let t: TestComputeApp;
  beforeAll(async () => {
    t = await startComputeApp();
    for (const flavor of [{ id: 'priv', name: 'private', ram: 512, vcpus: 1, disk: 1, 'os-flavor-access:is_public': false }, { id: 'pub', name: 'public', ram: 512, vcpus: 1, disk: 1 }]) {
      const r = await t.json('admin', 'POST', '/v2.1/flavors', { flavor });
      if (r.status !== 200) throw new Error(`flavor ${flavor.id}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  const action = (who: string, body: unknown, id = 'priv') => t.json(who, 'POST', `/v2.1/flavors/${id}/action`, body);

  it('shares a private flavor with a project, which then sees it (show and list); others still do not', async () => {
    expect((await t.json('demo', 'GET', '/v2.1/flavors/priv')).status).toBe(404);
    const added = await action('admin', { addTenantAccess: { tenant: 'p-demo' } });
    expect(added).toEqual(expect.objectContaining({ status: 200, body: { flavor_access: [{ flavor_id: 'priv', tenant_id: 'p-demo' }] } }));
    expect((await t.json('demo', 'GET', '/v2.1/flavors/priv')).body.flavor.name).toBe('private');
    expect((await t.json('demo', 'GET', '/v2.1/flavors')).body.flavors.map((f: { id: string }) => f.id)).toEqual(['priv', 'pub']);
    expect((await t.json('other', 'GET', '/v2.1/flavors/priv')).status).toBe(404);
    expect((await t.json('admin', 'GET', '/v2.1/flavors/priv/os-flavor-access')).body).toEqual({ flavor_access: [{ flavor_id: 'priv', tenant_id: 'p-demo' }] });
    expect(await action('admin', { addTenantAccess: { tenant: 'p-demo' } })).toEqual(
      expect.objectContaining({ status: 409, body: { conflictingRequest: { code: 409, message: 'Flavor access already exists for flavor priv and project p-demo combination.' } } }),
    );
  });

  it('checks the project with identity, refuses bad actions, and lets only admins manage access', async () => {
    expect((await action('admin', { addTenantAccess: { tenant: 'p-ghost' } })).body).toEqual({ badRequest: { code: 400, message: 'Project ID p-ghost is not a valid project.' } });
    expect(t.projects.asked).toContain('p-ghost');
    expect((await action('admin', { addTenantAccess: {}, removeTenantAccess: {} })).body).toEqual({ badRequest: { code: 400, message: 'Malformed request body' } });
    expect((await action('admin', { shrink: {} })).body).toEqual({ badRequest: { code: 400, message: 'There is no such action: shrink' } });
    expect((await action('admin', { addTenantAccess: { tenant: '' } })).status).toBe(400);
    expect((await action('admin', { addTenantAccess: { tenant: 'p-other', x: 1 } })).status).toBe(400);
    expect((await action('demo', { addTenantAccess: { tenant: 'p-other' } })).body).toEqual({ forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-flavor-access:add_tenant_access to be performed." } });
    expect((await t.json('demo', 'GET', '/v2.1/flavors/priv/os-flavor-access')).status).toBe(403);
    expect((await t.json('admin', 'GET', '/v2.1/flavors/pub/os-flavor-access')).body).toEqual({ itemNotFound: { code: 404, message: 'Access list not available for public flavors.' } });
    expect((await action('admin', { addTenantAccess: { tenant: 'p-other' } }, 'nope')).body).toEqual({ itemNotFound: { code: 404, message: 'Flavor nope could not be found.' } });
  });

  it('removes access (404 when there was none), and the project loses the flavor', async () => {
    expect((await action('admin', { removeTenantAccess: { tenant: 'p-demo' } })).body).toEqual({ flavor_access: [] });
    expect((await action('admin', { removeTenantAccess: { tenant: 'p-demo' } })).body).toEqual({ itemNotFound: { code: 404, message: 'Flavor access not found for priv / p-demo combination.' } });
    expect((await t.json('demo', 'GET', '/v2.1/flavors/priv')).status).toBe(404);
  });

  it('sets, merges, shows, updates and deletes extra specs; values are strings, the answer echoes the body', async () => {
    const base = '/v2.1/flavors/pub/os-extra_specs';
    expect(await t.json('admin', 'POST', base, { extra_specs: { 'hw:cpu_policy': 'dedicated', 'quota:cpu_shares': 512 } })).toEqual(
      expect.objectContaining({ status: 200, body: { extra_specs: { 'hw:cpu_policy': 'dedicated', 'quota:cpu_shares': 512 } } }),
    );
    expect((await t.json('admin', 'POST', base, { extra_specs: { 'hw:mem_page_size': 'large' } })).status).toBe(200);
    expect((await t.json('demo', 'GET', base)).body).toEqual({ extra_specs: { 'hw:cpu_policy': 'dedicated', 'hw:mem_page_size': 'large', 'quota:cpu_shares': '512' } });
    expect((await t.json('reader', 'GET', `${base}/hw:cpu_policy`)).body).toEqual({ 'hw:cpu_policy': 'dedicated' });
    expect(await t.json('admin', 'PUT', `${base}/hw:cpu_policy`, { 'hw:cpu_policy': 'shared' })).toEqual(expect.objectContaining({ status: 200, body: { 'hw:cpu_policy': 'shared' } }));
    expect((await t.json('admin', 'PUT', `${base}/hw:cpu_policy`, { other: 'x' })).body).toEqual({ badRequest: { code: 400, message: 'Request body and URI mismatch' } });
    expect((await t.json('admin', 'PUT', `${base}/a`, { a: 'x', b: 'y' })).status).toBe(400);
    const del = await t.as('admin', `${base}/hw:mem_page_size`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(await del.text()).toBe('');
    expect((await t.json('admin', 'GET', `${base}/hw:mem_page_size`)).body).toEqual({ itemNotFound: { code: 404, message: 'Flavor pub has no extra specs with key hw:mem_page_size.' } });
    expect((await t.json('admin', 'DELETE', `${base}/hw:mem_page_size`)).status).toBe(404);
  });

  it('refuses bad specs and non-admin writes; readers of the flavor may read', async () => {
    const base = '/v2.1/flavors/pub/os-extra_specs';
    expect((await t.json('admin', 'POST', base, { extra_specs: { 'bad key!': 'x' } })).body.badRequest.message).toBe(
      "Invalid input for field/attribute extra_specs. Value: {\"bad key!\":\"x\"}. 'bad key!' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'",
    );
    expect((await t.json('admin', 'POST', base, { extra_specs: { k: 'v'.repeat(256) } })).status).toBe(400);
    expect((await t.json('admin', 'POST', base, { extra_specs: { k: true } })).status).toBe(400);
    expect((await t.json('admin', 'POST', base, { specs: {} })).status).toBe(400);
    expect((await t.json('demo', 'POST', base, { extra_specs: { k: 'v' } })).body).toEqual({ forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-flavor-extra-specs:create to be performed." } });
    expect((await t.json('demo', 'DELETE', `${base}/hw:cpu_policy`)).status).toBe(403);
    expect((await t.json('demo', 'GET', '/v2.1/flavors/priv/os-extra_specs')).status).toBe(404);
  });

  it('deletes a flavor with its extra specs and access list', async () => {
    expect((await action('admin', { addTenantAccess: { tenant: 'p-other' } })).status).toBe(200);
    await t.json('admin', 'POST', '/v2.1/flavors/priv/os-extra_specs', { extra_specs: { a: 'b' } });
    expect((await t.as('admin', '/v2.1/flavors/priv', { method: 'DELETE' })).status).toBe(202);
    const left = await t.db.dataSource.query("SELECT (SELECT COUNT(*) FROM flavor_project) AS p, (SELECT COUNT(*) FROM flavor_extra_spec e JOIN flavor f ON f.id = e.flavor_id WHERE f.flavorid = 'priv') AS e");
    expect(Number(left[0].p)).toBe(0);
    expect(Number(left[0].e)).toBe(0);
  });
});
