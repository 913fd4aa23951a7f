import { startComputeApp, TestComputeApp } from '../support/app';

describe('compute version discovery and microversions', () => {
  let t: TestComputeApp;
  beforeAll(async () => {
    t = await startComputeApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists v2.0 then v2.1 at / without a token, 200, each self link answering its own document', async () => {
    const r = await fetch(`${t.url}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-openstack-request-id')).toMatch(/^req-/);
    const body = (await r.json()) as { versions: Array<{ id: string; links: Array<{ rel: string; href: string }> }> };
    expect(body.versions.map((v) => v.id)).toEqual(['v2.0', 'v2.1']);
    expect(body.versions[1]).toEqual({ id: 'v2.1', status: 'CURRENT', version: '2.6', min_version: '2.1', updated: '2013-07-23T11:33:21Z', links: [{ rel: 'self', href: 'http://127.0.0.1:8774/v2.1/' }] });
    for (const v of body.versions) {
      const path = new URL(v.links[0].href).pathname;
      const doc = (await (await fetch(`${t.url}${path}`)).json()) as { version: { id: string; links: Array<{ rel: string; href: string }> } };
      expect(doc.version.id).toBe(v.id);
      expect(doc.version.links[0]).toEqual(v.links[0]);
    }
  });

  it('answers GET /v2.1 (and /v2.1/) with the v2.1 document and the version headers', async () => {
    for (const path of ['/v2.1', '/v2.1/']) {
      const r = await fetch(`${t.url}${path}`, { headers: { accept: 'application/json' } });
      expect(r.status).toBe(200);
      expect(r.headers.get('openstack-api-version')).toBe('compute 2.1');
      expect(r.headers.get('x-openstack-nova-api-version')).toBe('2.1');
      expect(r.headers.get('vary')).toBe('OpenStack-API-Version, X-OpenStack-Nova-API-Version');
      expect(await r.json()).toEqual({
        version: {
          id: 'v2.1',
          status: 'CURRENT',
          version: '2.6',
          min_version: '2.1',
          updated: '2013-07-23T11:33:21Z',
          links: [
            { rel: 'self', href: 'http://127.0.0.1:8774/v2.1/' },
            { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
          ],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
        },
      });
    }
  });

  it('negotiates: latest is 2.6, an unsupported version 406 computeFault, a malformed one 400, both headers read', async () => {
    const get = (headers: Record<string, string>) => t.json('demo', 'GET', '/v2.1/flavors', undefined, headers);
    const latest = await get({ 'openstack-api-version': 'compute latest' });
    expect(latest.status).toBe(200);
    expect(latest.headers.get('openstack-api-version')).toBe('compute 2.6');
    expect(latest.headers.get('x-openstack-nova-api-version')).toBe('2.6');
    expect((await get({ 'openstack-api-version': 'compute 2.4' })).headers.get('openstack-api-version')).toBe('compute 2.4');
    expect((await get({ 'x-openstack-nova-api-version': '2.1' })).headers.get('x-openstack-nova-api-version')).toBe('2.1');
    const high = await get({ 'openstack-api-version': 'compute 2.61' });
    expect(high.status).toBe(406);
    expect(high.body).toEqual({ computeFault: { code: 406, message: 'Version 2.61 is not supported by the API. Minimum is 2.1 and maximum is 2.6.' } });
    expect(high.headers.get('x-openstack-request-id')).toMatch(/^req-/);
    expect((await get({ 'x-openstack-nova-api-version': '2.0' })).status).toBe(406);
    const bad = await get({ 'x-openstack-nova-api-version': '2.x' });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ badRequest: { code: 400, message: 'API Version String 2.x is of invalid format. Must be of format MajorNum.MinorNum.' } });
    // another service's entry in the standard header is not compute's; the legacy header then decides
    expect((await get({ 'openstack-api-version': 'volume 3.60', 'x-openstack-nova-api-version': '2.7' })).status).toBe(406);
    expect((await get({ 'openstack-api-version': 'compute 2.7' })).status).toBe(406);
    expect((await get({ 'openstack-api-version': 'volume 3.60, compute 2.1' })).status).toBe(200);
  });

  it('echoes the version on errors under /v2.1 too (401, 404)', async () => {
    const noToken = await fetch(`${t.url}/v2.1/flavors`);
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('openstack-api-version')).toBe('compute 2.1');
    expect(await noToken.json()).toEqual({ unauthorized: { code: 401, message: 'The request you have made requires authentication.' } });
    const missing = await t.json('demo', 'GET', '/v2.1/flavors/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('vary')).toBe('OpenStack-API-Version, X-OpenStack-Nova-API-Version');
    expect(missing.headers.get('x-compute-request-id')).toBe(missing.headers.get('x-openstack-request-id'));
  });
});
