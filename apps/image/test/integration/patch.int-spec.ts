import { startImageApp, TestImageApp } from '../support/app';

jest.setTimeout(60_000);

const V21 = { 'content-type': 'application/openstack-images-v2.1-json-patch' };
const V20 = { 'content-type': 'application/openstack-images-v2.0-json-patch' };
const JSON_BODY = { 'content-type': 'application/json' };

/** JSON patch in both media types, Glance's quotas, and a patch that must not stall the service. */
describe('image PATCH and quotas', () => {
  let t: TestImageApp;
  beforeAll(async () => {
    t = await startImageApp();
  });
  afterAll(() => t.close());

  const create = async (body: Record<string, unknown> = {}) => {
    const r = await t.as('demo', '/v2/images', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ name: 'p', ...body }) });
    expect(r.status).toBe(201);
    return ((await r.json()) as { id: string }).id;
  };
  const patch = (id: string, ops: unknown, headers: Record<string, string> = V21) => t.as('demo', `/v2/images/${id}`, { method: 'PATCH', headers, body: JSON.stringify(ops) });
  const show = async (id: string) => (await (await t.as('demo', `/v2/images/${id}`)).json()) as Record<string, unknown>;

  it('takes the older v2.0 media type: {"replace": path}, {"add": path}, {"remove": path}', async () => {
    const id = await create();
    const r = await patch(id, [{ replace: '/name', value: 'renamed' }, { add: '/x', value: '1' }, { replace: '/tags', value: ['a'] }], V20);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ name: 'renamed', x: '1', tags: ['a'] });
    const removed = await patch(id, [{ remove: '/x' }], V20);
    expect(removed.status).toBe(200);
    expect(await removed.json()).not.toHaveProperty('x');
  });

  it('answers v2.0 patches as Glance does: add of an existing property 409, two operations in one object 400, none 400', async () => {
    const id = await create({ y: '1' });
    const dup = await patch(id, [{ add: '/y', value: '2' }], V20);
    expect(dup.status).toBe(409);
    expect(await dup.text()).toContain('Property y already present.');
    expect((await patch(id, [{ add: '/z', replace: '/z', value: '2' }], V20)).status).toBe(400);
    expect((await patch(id, [{ op: 'add', path: '/z', value: '2' }], V20)).status).toBe(400);
    const other = await patch(id, [{ op: 'add', path: '/z', value: '2' }], JSON_BODY);
    expect(other.status).toBe(415);
    expect(other.headers.get('accept-patch')).toBe('application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch');
    // the same add in v2.1 replaces (RFC 6902)
    expect(await (await patch(id, [{ op: 'add', path: '/y', value: '2' }])).json()).toMatchObject({ y: '2' });
    expect((await show(id)).z).toBeUndefined();
  });

  it('refuses a patch that leaves more than image_property_quota properties with 413 and changes nothing', async () => {
    const id = await create({ keep: 'me' });
    const ops = Array.from({ length: 128 }, (_, i) => ({ op: 'add', path: `/p${i}`, value: 'v' }));
    const r = await patch(id, ops);
    expect(r.status).toBe(413);
    expect(await r.text()).toContain('The limit has been exceeded on the number of allowed image properties. Attempted: 129, Maximum: 128');
    expect(Object.keys(await show(id)).filter((k) => /^p\d+$/.test(k))).toEqual([]);
    // replacing properties within the quota is fine
    const within = await patch(id, [{ op: 'remove', path: '/keep' }, ...ops]);
    expect(within.status).toBe(200);
    expect(Object.keys((await within.json()) as object).filter((k) => /^p\d+$/.test(k))).toHaveLength(128);
  });

  it('refuses more than 128 properties on create (413)', async () => {
    const props = Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`q${i}`, 'v']));
    const r = await t.as('demo', '/v2/images', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ name: 'many', ...props }) });
    expect(r.status).toBe(413);
    const list = (await (await t.as('demo', '/v2/images?name=many')).json()) as { images: unknown[] };
    expect(list.images).toEqual([]);
  });

  it('refuses more than image_tag_quota tags (413) by PATCH, PUT /tags and create', async () => {
    const tags = Array.from({ length: 129 }, (_, i) => `t${i}`);
    const id = await create({ tags: tags.slice(0, 128) });
    const r = await patch(id, [{ op: 'add', path: '/tags/-', value: 'one-more' }]);
    expect(r.status).toBe(413);
    expect(await r.text()).toContain('The limit has been exceeded on the number of allowed image tags. Attempted: 129, Maximum: 128');
    expect((await t.as('demo', `/v2/images/${id}/tags/one-more`, { method: 'PUT' })).status).toBe(413);
    expect((await t.as('demo', '/v2/images', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ tags }) })).status).toBe(413);
    expect((await show(id)).tags).toHaveLength(128);
  });

  it('refuses the member after image_member_quota (413)', async () => {
    const id = await create({ visibility: 'shared' });
    for (let i = 0; i < 128; i++) {
      const r = await t.as('demo', `/v2/images/${id}/members`, { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ member: `m${i}` }) });
      expect(r.status).toBe(200);
    }
    const over = await t.as('demo', `/v2/images/${id}/members`, { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ member: 'm128' }) });
    expect(over.status).toBe(413);
    expect(await over.text()).toContain('The limit has been exceeded on the number of allowed image members for this image. Attempted: 129, Maximum: 128');
  });

  it('keeps answering others while a 10,000-operation patch (~400 KB) arrives, refuses it (413) and changes nothing', async () => {
    const id = await create();
    const ops = Array.from({ length: 10_000 }, (_, i) => ({ op: 'add', path: `/property_number_${i}`, value: `value-${i}` }));
    const body = JSON.stringify(ops);
    expect(body.length).toBeGreaterThan(400_000);
    let settled = false;
    const big = t.as('demo', `/v2/images/${id}`, { method: 'PATCH', headers: V21, body }).finally(() => (settled = true));
    // meanwhile, another caller's requests answer fast: probe until the patch is answered (and for at least 500 ms)
    const started = Date.now();
    let slowest = 0;
    while (!settled || Date.now() - started < 500) {
      const t0 = Date.now();
      expect((await t.as('other', '/versions')).status).toBe(200);
      slowest = Math.max(slowest, Date.now() - t0);
      await new Promise((r) => setTimeout(r, 25));
    }
    const r = await big;
    expect(slowest).toBeLessThan(200);
    expect(r.status).toBe(413);
    expect(await r.text()).toMatch(/at most 1000 operations|Attempted: 10000/);
    expect(Object.keys(await show(id)).filter((k) => k.startsWith('property_number_'))).toEqual([]);
  });

  it('applies a large patch within the limits in linear time', async () => {
    const id = await create();
    const ops = Array.from({ length: 1000 }, (_, i) => ({ op: 'add', path: `/k${i % 100}`, value: `v${i}` }));
    const started = Date.now();
    const r = await patch(id, ops);
    expect(r.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await r.json()).toMatchObject({ k0: 'v900', k99: 'v999' });
  });

  it('stores property names that are Object.prototype names as ordinary properties', async () => {
    const id = await create();
    const r = await patch(id, [
      { op: 'add', path: '/__proto__', value: 'a' },
      { op: 'add', path: '/constructor', value: 'b' },
      { op: 'add', path: '/toString', value: 'c' },
      { op: 'add', path: '/q"u\\o$.*', value: 'd' },
    ]);
    expect(r.status).toBe(200);
    const shown = await show(id);
    expect(Object.getOwnPropertyDescriptor(shown, '__proto__')?.value).toBe('a');
    expect(shown).toMatchObject({ constructor: 'b', toString: 'c' });
    // and filter lists like any other property
    for (const q of ['__proto__=a', 'constructor=b', 'toString=c', `${encodeURIComponent('q"u\\o$.*')}=d`]) {
      const listed = (await (await t.as('demo', `/v2/images?${q}`)).json()) as { images: Array<{ id: string }> };
      expect(listed.images.map((i) => i.id)).toEqual([id]);
    }
    expect(((await (await t.as('demo', '/v2/images?hasOwnProperty=x')).json()) as { images: unknown[] }).images).toEqual([]);
    // they did not exist before, so replace/remove of an absent one is 409 as for any other name
    const fresh = await create();
    expect((await patch(fresh, [{ op: 'remove', path: '/constructor' }])).status).toBe(409);
    expect((await patch(fresh, [{ op: 'replace', path: '/toString', value: 'x' }])).status).toBe(409);
    expect((await patch(fresh, [{ op: 'remove', path: '/hasOwnProperty' }])).status).toBe(409);
  });
});
