import { startComputeApp, TestComputeApp } from '../support/app';

const base = { ram: 512, vcpus: 1, disk: 1 };

describe('flavors', () => {
  let t: TestComputeApp;
  const create = (body: Record<string, unknown>, who = 'admin') => t.json(who, 'POST', '/v2.1/flavors', { flavor: body });

  beforeAll(async () => {
    t = await startComputeApp({ max_limit: 4 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a flavor as the openstack client sends it (id null) and shows it in the 2.1 shape', async () => {
    const r = await create({ name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1, id: null, swap: 0, 'OS-FLV-EXT-DATA:ephemeral': 0, rxtx_factor: 1.0, 'os-flavor-access:is_public': true });
    expect(r.status).toBe(200);
    const id = r.body.flavor.id as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body).toEqual({
      flavor: {
        id,
        name: 'm1.tiny',
        ram: 512,
        disk: 1,
        swap: '',
        'OS-FLV-EXT-DATA:ephemeral': 0,
        'OS-FLV-DISABLED:disabled': false,
        vcpus: 1,
        'os-flavor-access:is_public': true,
        rxtx_factor: 1,
        links: [
          { rel: 'self', href: `http://127.0.0.1:8774/v2.1/flavors/${id}` },
          { rel: 'bookmark', href: `http://127.0.0.1:8774/flavors/${id}` },
        ],
      },
    });
    expect((await t.json('demo', 'GET', `/v2.1/flavors/${id}`)).body).toEqual(r.body);
    expect((await t.json('demo', 'GET', '/v2.1/flavors')).body.flavors).toContainEqual({ id, name: 'm1.tiny', links: r.body.flavor.links });
  });

  it('takes string numbers, a number id and swap, and answers 409 for a taken id or name', async () => {
    const r = await create({ name: 'strs', ram: '1024', vcpus: '2', disk: '10', id: 42, swap: 512, rxtx_factor: '2.5', 'os-flavor-access:is_public': 'false' });
    expect(r.status).toBe(200);
    expect(r.body.flavor).toMatchObject({ id: '42', ram: 1024, vcpus: 2, disk: 10, swap: 512, rxtx_factor: 2.5, 'os-flavor-access:is_public': false });
    expect(await create({ ...base, name: 'other', id: '42' })).toEqual(expect.objectContaining({ status: 409, body: { conflictingRequest: { code: 409, message: 'Flavor with ID 42 already exists.' } } }));
    expect(await create({ ...base, name: 'strs' })).toEqual(expect.objectContaining({ status: 409, body: { conflictingRequest: { code: 409, message: 'Flavor with name strs already exists.' } } }));
  });

  it("refuses bad bodies with Nova's messages, before the policy", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...base, name: 'n'.repeat(256) }, `Invalid input for field/attribute name. Value: '${'n'.repeat(256)}'. '${'n'.repeat(256)}' is too long`],
      [{ ...base, name: ' edge' }, "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace."],
      [{ ram: 1, vcpus: 1, disk: 1 }, "Invalid input for field/attribute flavor. Value: {\"ram\":1,\"vcpus\":1,\"disk\":1}. 'name' is a required property"],
      [{ ...base, name: 'x', ram: 0 }, 'Invalid input for field/attribute ram. Value: 0. 0 is less than the minimum of 1'],
      [{ ...base, name: 'x', disk: -1 }, 'Invalid input for field/attribute disk. Value: -1. -1 is less than the minimum of 0'],
      [{ ...base, name: 'x', vcpus: 'two' }, "Invalid input for field/attribute vcpus. Value: 'two'. 'two' does not match '^[0-9]+$'"],
      [{ ...base, name: 'x', id: 'a/b' }, "Invalid input for field/attribute id. Value: 'a/b'. 'a/b' does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'"],
      [{ ...base, name: 'x', bogus: 1 }, "Invalid input for field/attribute flavor. Value: {\"ram\":512,\"vcpus\":1,\"disk\":1,\"name\":\"x\",\"bogus\":1}. Additional properties are not allowed ('bogus' was unexpected)"],
      [{ ...base, name: 'x', 'os-flavor-access:is_public': 'maybe' }, expect.stringMatching(/^Invalid input for field\/attribute os-flavor-access:is_public\. Value: 'maybe'\. 'maybe' is not one of \[True, 'True'/) as unknown as string],
    ];
    for (const [body, message] of cases) {
      const r = await create(body, 'demo');
      expect({ body, status: r.status, answer: r.body }).toEqual({ body, status: 400, answer: { badRequest: { code: 400, message } } });
    }
    expect((await t.json('admin', 'POST', '/v2.1/flavors', { nope: {} })).body.badRequest.message).toBe("'flavor' is a required property");
  });

  it('lets only admins create and delete (403 with the policy name); delete is 202, then 404', async () => {
    expect(await create({ ...base, name: 'by-demo' }, 'demo')).toEqual(
      expect.objectContaining({ status: 403, body: { forbidden: { code: 403, message: "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed." } } }),
    );
    const id = (await create({ ...base, name: 'doomed' })).body.flavor.id as string;
    expect((await t.json('demo', 'DELETE', `/v2.1/flavors/${id}`)).status).toBe(403);
    const del = await t.as('admin', `/v2.1/flavors/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(202);
    expect(await del.text()).toBe('');
    expect(await t.json('admin', 'GET', `/v2.1/flavors/${id}`)).toEqual(expect.objectContaining({ status: 404, body: { itemNotFound: { code: 404, message: `Flavor ${id} could not be found.` } } }));
    expect((await t.json('admin', 'DELETE', `/v2.1/flavors/${id}`)).status).toBe(404);
  });

  describe('lists', () => {
    beforeAll(async () => {
      for (const [id, name, ram, disk] of [['p1', 'list-a', 256, 1], ['p2', 'list-b', 2048, 20], ['p3', 'list-c', 8192, 80]] as const) {
        const r = await create({ id, name, ram, disk, vcpus: 1 });
        if (r.status !== 200) throw new Error(`flavor ${id}: ${r.status}`);
      }
      const r = await create({ id: 'priv', name: 'list-private', ram: 128, disk: 0, vcpus: 1, 'os-flavor-access:is_public': false });
      if (r.status !== 200) throw new Error(`flavor priv: ${r.status}`);
    });

    it('filters by minRam and minDisk, and refuses non-integers', async () => {
      const ids = async (q: string) => ((await t.json('admin', 'GET', `/v2.1/flavors/detail?${q}`)).body.flavors as Array<{ id: string }>).map((f) => f.id);
      expect(await ids('minRam=2048&minDisk=20&is_public=None')).toEqual(['p2', 'p3']);
      expect(await ids('minRam=4000')).toEqual(['p3']);
      expect(await t.json('admin', 'GET', '/v2.1/flavors/detail?minRam=lots')).toEqual(expect.objectContaining({ status: 400, body: { badRequest: { code: 400, message: 'Invalid minRam filter [lots]' } } }));
    });

    it("shows admins private flavors by is_public (True default, False, None literally) and never others' private ones", async () => {
      const ids = async (who: string, q = '') => ((await t.json(who, 'GET', `/v2.1/flavors?limit=100${q}`)).body.flavors as Array<{ id: string }>).map((f) => f.id);
      expect(await ids('admin')).not.toContain('priv');
      expect(await ids('admin', '&is_public=False')).toEqual(['priv', '42'].sort());
      expect(await ids('admin', '&is_public=None&sort_key=memory_mb')).toEqual(expect.arrayContaining(['priv', 'p1', '42']));
      expect(await ids('demo', '&is_public=None')).not.toContain('priv');
      expect(await ids('demo', '&is_public=garbage')).toContain('p1');
      expect((await t.json('admin', 'GET', '/v2.1/flavors?is_public=garbage')).body).toEqual({ badRequest: { code: 400, message: 'Invalid is_public filter [garbage]' } });
      expect((await t.json('demo', 'GET', '/v2.1/flavors/priv')).status).toBe(404);
    });

    it('pages with limit and marker (flavors_links next), sorts by sort_key/sort_dir, caps at max_limit', async () => {
      const first = await t.json('admin', 'GET', '/v2.1/flavors?limit=2&sort_key=memory_mb&sort_dir=desc&minRam=1000&is_public=None');
      expect(first.body.flavors.map((f: { id: string }) => f.id)).toEqual(['p3', 'p2']);
      const next = first.body.flavors_links[0];
      expect(next.rel).toBe('next');
      expect(next.href).toBe('http://127.0.0.1:8774/v2.1/flavors?is_public=None&limit=2&marker=p2&minRam=1000&sort_dir=desc&sort_key=memory_mb');
      const second = await t.json('admin', 'GET', new URL(next.href).pathname + new URL(next.href).search);
      expect(second.body).toEqual({ flavors: [expect.objectContaining({ id: '42' })] });
      const third = await t.json('admin', 'GET', `/v2.1/flavors?limit=2&sort_key=memory_mb&sort_dir=desc&minRam=1000&is_public=None&marker=42`);
      expect(third.body).toEqual({ flavors: [] });
      // no limit: max_limit (4 here) items and a next link
      const capped = await t.json('admin', 'GET', '/v2.1/flavors/detail?is_public=None');
      expect(capped.body.flavors).toHaveLength(4);
      expect(capped.body.flavors_links[0].href).toMatch(/^http:\/\/127\.0\.0\.1:8774\/v2\.1\/flavors\/detail\?is_public=None&marker=/);
      expect((await t.json('admin', 'GET', '/v2.1/flavors?marker=nope')).body).toEqual({ badRequest: { code: 400, message: 'marker [nope] not found' } });
      expect((await t.json('admin', 'GET', '/v2.1/flavors?sort_key=bogus')).status).toBe(400);
      expect((await t.json('admin', 'GET', '/v2.1/flavors?limit=-1')).body.badRequest.message).toBe("Invalid input for query parameters limit. Value: '-1'. '-1' does not match '^[0-9]*$'");
    });
  });
});
