import { IdentityTestApp, startIdentity } from './helpers/app';
import { count, create, HEX32, keystoneError, URL_BASE } from './helpers/resources';

describe('catalog administration: /v3/regions, /v3/services, /v3/endpoints', () => {
  let t: IdentityTestApp;
  let admin: string;
  let dora: string;
  beforeAll(async () => {
    t = await startIdentity();
    admin = await t.adminToken();
    ({ dora } = await t.demoMember());
  });
  afterAll(async () => {
    await t.close();
  });

  const catalogOf = async (token: string) => (await t.inject('GET', '/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': token } })).json.token.catalog as Array<{ type: string; endpoints: Array<Record<string, string>> }>;

  describe('regions', () => {
    it('creates regions with or without an id (POST) and with one (PUT)', async () => {
      const generated = await t.inject('POST', '/v3/regions', { token: admin, body: { region: { description: 'anywhere' } } });
      expect(generated.status).toBe(201);
      expect(generated.json.region).toEqual({ id: expect.stringMatching(HEX32), description: 'anywhere', parent_region_id: null, links: { self: `${URL_BASE}/regions/${generated.json.region.id}` } });
      const named = await t.inject('POST', '/v3/regions', { token: admin, body: { region: { id: 'RegionTwo' } } });
      expect(named.json.region).toEqual({ id: 'RegionTwo', description: '', parent_region_id: null, links: { self: `${URL_BASE}/regions/RegionTwo` } });
      const put = await t.inject('PUT', '/v3/regions/RegionThree', { token: admin, body: { region: { description: 'three', parent_region_id: 'RegionTwo' } } });
      expect(put.status).toBe(201);
      expect(put.json.region).toMatchObject({ id: 'RegionThree', parent_region_id: 'RegionTwo' });
      const dup = await t.inject('POST', '/v3/regions', { token: admin, body: { region: { id: 'RegionTwo' } } });
      expect(dup.json).toEqual(keystoneError(409, 'Conflict', 'Conflict occurred attempting to store region - Duplicate ID, RegionTwo.'));
      expect((await t.inject('PUT', '/v3/regions/RegionTwo', { token: admin, body: { region: {} } })).status).toBe(409);
      const orphan = await t.inject('POST', '/v3/regions', { token: admin, body: { region: { id: 'Orphan', parent_region_id: 'Nowhere' } } });
      expect(orphan.json).toEqual(keystoneError(404, 'Not Found', 'Could not find region: Nowhere.'));
    });

    it('lists, shows and updates regions, refusing a circular hierarchy', async () => {
      await create(t, 'regions', 'region', { id: 'Top' });
      await create(t, 'regions', 'region', { id: 'Mid', parent_region_id: 'Top' });
      await create(t, 'regions', 'region', { id: 'Leaf', parent_region_id: 'Mid' });
      const children = await t.inject('GET', '/v3/regions?parent_region_id=Top', { token: admin });
      expect(children.json.regions.map((r: { id: string }) => r.id)).toEqual(['Mid']);
      const all = await t.inject('GET', '/v3/regions', { token: admin });
      expect(all.json.regions.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining(['RegionOne', 'Top', 'Mid', 'Leaf']));
      expect(all.json.links.self).toBe(`${URL_BASE}/regions`);
      const circular = await t.inject('PATCH', '/v3/regions/Top', { token: admin, body: { region: { parent_region_id: 'Leaf' } } });
      expect(circular.status).toBe(400);
      expect(circular.json.error.message).toBe('The specified parent region Leaf would create a circular region hierarchy.');
      expect((await t.inject('PATCH', '/v3/regions/Top', { token: admin, body: { region: { parent_region_id: 'Top' } } })).status).toBe(400);
      const patched = await t.inject('PATCH', '/v3/regions/Leaf', { token: admin, body: { region: { description: 'leafy', parent_region_id: null } } });
      expect(patched.json.region).toEqual({ id: 'Leaf', description: 'leafy', parent_region_id: null, links: { self: `${URL_BASE}/regions/Leaf` } });
      expect((await t.inject('GET', '/v3/regions/Nowhere', { token: admin })).json.error.message).toBe('Could not find region: Nowhere.');
      expect((await t.inject('PATCH', '/v3/regions/Top', { token: admin, body: { region: {} } })).status).toBe(400);
    });

    it('answers a PATCH that names only attributes Kumo does not keep with the unchanged entity (an empty UPDATE was a 500)', async () => {
      await create(t, 'regions', 'region', { id: 'Named', description: 'kept' });
      const region = await t.inject('PATCH', '/v3/regions/Named', { token: admin, body: { region: { name: 'x' } } });
      expect(region.status).toBe(200);
      expect(region.json.region).toMatchObject({ id: 'Named', description: 'kept' });
      const svc = await create(t, 'services', 'service', { type: 'unpatched', name: 'u' });
      const service = await t.inject('PATCH', `/v3/services/${svc.id}`, { token: admin, body: { service: { colour: 'red' } } });
      expect(service.status).toBe(200);
      expect(service.json.service).toMatchObject({ id: svc.id, type: 'unpatched', name: 'u' });
    });

    it('deletes a region with its children, unless one has endpoints (403)', async () => {
      await create(t, 'regions', 'region', { id: 'Parent' });
      await create(t, 'regions', 'region', { id: 'Child', parent_region_id: 'Parent' });
      const svc = await create(t, 'services', 'service', { type: 'region-test' });
      const ep = await create(t, 'endpoints', 'endpoint', { service_id: svc.id, interface: 'public', url: 'http://h:1/', region_id: 'Child' });
      const blocked = await t.inject('DELETE', '/v3/regions/Parent', { token: admin });
      expect(blocked.json).toEqual(keystoneError(403, 'Forbidden', 'Unable to delete region Parent because it or its child regions have associated endpoints.'));
      await t.inject('DELETE', `/v3/endpoints/${ep.id}`, { token: admin });
      expect((await t.inject('DELETE', '/v3/regions/Parent', { token: admin })).status).toBe(204);
      expect((await t.inject('GET', '/v3/regions/Child', { token: admin })).status).toBe(404);
      expect((await t.inject('DELETE', '/v3/regions/Parent', { token: admin })).status).toBe(404);
    });

    it('lets any user read regions but only admins change them', async () => {
      expect((await t.inject('GET', '/v3/regions', { token: dora })).status).toBe(200);
      expect((await t.inject('GET', '/v3/regions/RegionOne', { token: dora })).status).toBe(200);
      expect((await t.inject('POST', '/v3/regions', { token: dora, body: { region: { id: 'Mine' } } })).status).toBe(403);
      expect((await t.inject('PUT', '/v3/regions/Mine', { token: dora, body: { region: {} } })).status).toBe(403);
      expect((await t.inject('DELETE', '/v3/regions/RegionOne', { token: dora })).status).toBe(403);
    });
  });

  describe('services', () => {
    it('creates, lists by type, shows, updates and deletes a service (with its endpoints)', async () => {
      const res = await t.inject('POST', '/v3/services', { token: admin, body: { service: { type: 'dns', name: 'designate', description: 'DNS', enabled: true } } });
      expect(res.status).toBe(201);
      const s = res.json.service;
      expect(s).toEqual({ id: expect.stringMatching(HEX32), type: 'dns', name: 'designate', description: 'DNS', enabled: true, links: { self: `${URL_BASE}/services/${s.id}` } });
      await expect(create(t, 'services', 'service', { type: 'nameless' })).resolves.toMatchObject({ name: '' });
      const byType = await t.inject('GET', '/v3/services?type=dns', { token: admin });
      expect(byType.json).toEqual({ services: [s], links: { self: `${URL_BASE}/services`, previous: null, next: null } });
      await expect(t.inject('GET', '/v3/services?name=designate', { token: admin })).resolves.toMatchObject({ json: { services: [{ id: s.id }] } });
      const all = await t.inject('GET', '/v3/services', { token: admin });
      expect(all.json.services.map((x: { type: string }) => x.type)).toEqual(expect.arrayContaining(['identity', 'dns']));
      const patched = await t.inject('PATCH', `/v3/services/${s.id}`, { token: admin, body: { service: { enabled: false, name: 'dns2' } } });
      expect(patched.json.service).toEqual({ ...s, enabled: false, name: 'dns2' });
      expect((await t.inject('GET', '/v3/services/designate', { token: admin })).json.error.message).toBe('Could not find service: designate.');

      const ep = await create(t, 'endpoints', 'endpoint', { service_id: s.id, interface: 'public', url: 'http://dns:53/' });
      expect((await t.inject('DELETE', `/v3/services/${s.id}`, { token: admin })).status).toBe(204);
      expect((await t.inject('GET', `/v3/services/${s.id}`, { token: admin })).status).toBe(404);
      expect((await t.inject('GET', `/v3/endpoints/${ep.id}`, { token: admin })).status).toBe(404);
    });

    it('refuses bad bodies with 400 and members with 403', async () => {
      const before = await count(t, 'services');
      for (const body of [{}, { service: {} }, { service: { type: '' } }, { service: { type: 'x', enabled: 'no' } }, { service: { type: 'x' }, y: 1 }]) {
        const res = await t.inject('POST', '/v3/services', { token: admin, body });
        expect({ body, status: res.status }).toEqual({ body, status: 400 });
      }
      expect(await count(t, 'services')).toBe(before);
      expect((await t.inject('GET', '/v3/services', { token: dora })).status).toBe(403);
      expect((await t.inject('POST', '/v3/services', { token: dora, body: { service: { type: 'x' } } })).status).toBe(403);
    });
  });

  describe('endpoints', () => {
    it('creates endpoints with region_id or region, filters them, and updates and deletes one', async () => {
      const svc = await create(t, 'services', 'service', { type: 'metric', name: 'gnocchi' });
      // what `openstack endpoint create --region RegionOne metric public URL` sends (keystoneclient sends both keys)
      const res = await t.inject('POST', '/v3/endpoints', {
        token: admin,
        body: { endpoint: { service_id: svc.id, interface: 'public', url: 'http://m:8041', region: 'RegionOne', region_id: 'RegionOne', enabled: true } },
      });
      expect(res.status).toBe(201);
      const e = res.json.endpoint;
      expect(e).toEqual({
        id: expect.stringMatching(HEX32),
        interface: 'public',
        region: 'RegionOne',
        region_id: 'RegionOne',
        service_id: svc.id,
        url: 'http://m:8041',
        enabled: true,
        links: { self: `${URL_BASE}/endpoints/${e.id}` },
      });
      const internal = await create(t, 'endpoints', 'endpoint', { service_id: svc.id, interface: 'internal', url: 'http://m-int:8041', region: 'RegionOne' });
      expect(internal).toMatchObject({ region: 'RegionOne', region_id: 'RegionOne' });
      const noRegion = await create(t, 'endpoints', 'endpoint', { service_id: svc.id, interface: 'admin', url: 'http://m-adm:8041' });
      expect(noRegion).toMatchObject({ region: null, region_id: null });

      const ids = async (q: string) => ((await t.inject('GET', `/v3/endpoints?${q}`, { token: admin })).json.endpoints as Array<{ id: string }>).map((x) => x.id).sort();
      await expect(ids(`service_id=${svc.id}`)).resolves.toEqual([e.id, internal.id, noRegion.id].sort());
      await expect(ids(`service_id=${svc.id}&interface=internal`)).resolves.toEqual([internal.id]);
      await expect(ids(`service_id=${svc.id}&region_id=RegionOne`)).resolves.toEqual([e.id, internal.id].sort());

      const patched = await t.inject('PATCH', `/v3/endpoints/${e.id}`, { token: admin, body: { endpoint: { url: 'http://m2:8041', enabled: false } } });
      expect(patched.json.endpoint).toEqual({ ...e, url: 'http://m2:8041', enabled: false });
      expect((await t.inject('DELETE', `/v3/endpoints/${e.id}`, { token: admin })).status).toBe(204);
      expect((await t.inject('GET', `/v3/endpoints/${e.id}`, { token: admin })).json.error.message).toBe(`Could not find endpoint: ${e.id}.`);
    });

    it('refuses bad bodies and unknown services or regions with 400, writing nothing', async () => {
      const svc = await create(t, 'services', 'service', { type: 'bad-bodies' });
      const before = await count(t, 'endpoints');
      const base = { service_id: svc.id, interface: 'public', url: 'http://h/' };
      for (const endpoint of [
        { ...base, interface: 'secret' },
        { ...base, url: 'not a url' },
        { ...base, url: undefined },
        { ...base, service_id: undefined },
        { ...base, enabled: 'yes' },
        { ...base, service_id: 'nope' },
        { ...base, region_id: 'Nowhere' },
      ]) {
        const res = await t.inject('POST', '/v3/endpoints', { token: admin, body: { endpoint } });
        expect({ endpoint, status: res.status }).toEqual({ endpoint, status: 400 });
      }
      const unknownRegion = await t.inject('POST', '/v3/endpoints', { token: admin, body: { endpoint: { ...base, region_id: 'Nowhere' } } });
      expect(unknownRegion.json.error.message).toMatch(/^Expecting to find endpoint region_id in region table\./);
      expect(await count(t, 'endpoints')).toBe(before);
      expect((await t.inject('GET', '/v3/regions/Nowhere', { token: admin })).status).toBe(404);
      expect((await t.inject('GET', '/v3/endpoints', { token: dora })).status).toBe(403);
    });

    it('creates the region named by the older `region` attribute when it does not exist (Keystone; `openstack endpoint create --region`)', async () => {
      const svc = await create(t, 'services', 'service', { type: 'auto-region' });
      const res = await t.inject('POST', '/v3/endpoints', { token: admin, body: { endpoint: { service_id: svc.id, interface: 'public', url: 'http://h:2/', region: 'RegionNew' } } });
      expect(res.status).toBe(201);
      expect(res.json.endpoint).toMatchObject({ region: 'RegionNew', region_id: 'RegionNew' });
      const region = await t.inject('GET', '/v3/regions/RegionNew', { token: admin });
      expect(region.json.region).toEqual({ id: 'RegionNew', description: '', parent_region_id: null, links: { self: `${URL_BASE}/regions/RegionNew` } });
      const patched = await t.inject('PATCH', `/v3/endpoints/${res.json.endpoint.id}`, { token: admin, body: { endpoint: { region: 'RegionNewer' } } });
      expect(patched.json.endpoint).toMatchObject({ region_id: 'RegionNewer' });
      expect((await t.inject('GET', '/v3/regions/RegionNewer', { token: admin })).status).toBe(200);
    });

    it('puts new endpoints in the catalog of new and already validated tokens', async () => {
      const before = await catalogOf(admin);
      expect(before.find((c) => c.type === 'test-svc')).toBeUndefined();
      const svc = await create(t, 'services', 'service', { type: 'test-svc', name: 'tester' });
      await create(t, 'endpoints', 'endpoint', { service_id: svc.id, interface: 'public', url: 'http://127.0.0.1:9999/x/%(project_id)s', region_id: 'RegionOne' });
      const project = (await t.inject('GET', '/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': admin } })).json.token.project.id;
      const entry = (await catalogOf(admin)).find((c) => c.type === 'test-svc');
      expect(entry?.endpoints).toEqual([expect.objectContaining({ url: `http://127.0.0.1:9999/x/${project}`, interface: 'public', region: 'RegionOne', region_id: 'RegionOne' })]);
      await t.inject('DELETE', `/v3/services/${svc.id}`, { token: admin });
      expect((await catalogOf(admin)).find((c) => c.type === 'test-svc')).toBeUndefined();
    });
  });
});
