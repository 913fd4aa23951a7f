import { startImageApp, TestImageApp } from '../support/app';

jest.setTimeout(60_000);

const V21 = { 'content-type': 'application/openstack-images-v2.1-json-patch' };
const JSON_BODY = { 'content-type': 'application/json' };

interface ErrorBody {
  error: { message: string; code: string; title: string };
}

/** List filters, error bodies and input Glance refuses. */
describe('image API: filters, error bodies and bad input', () => {
  let t: TestImageApp;
  beforeAll(async () => {
    t = await startImageApp({ image_size_cap: 4 * 1024 * 1024 });
  });
  afterAll(() => t.close());

  const create = (who: string, body: Record<string, unknown>) => t.createImage(who, body);
  const upload = (id: string, size: number) => t.as('demo', `/v2/images/${id}/file`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(size, 1) });
  const names = async (query: string) => {
    const r = await t.as('demo', `/v2/images?${query}`);
    expect(r.status).toBe(200);
    return ((await r.json()) as { images: Array<{ name: string }> }).images.map((i) => i.name).sort();
  };
  /** Status and the JSON fault body, whatever the Accept header. */
  const fault = async (r: Response) => {
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.headers.get('x-openstack-request-id')).toMatch(/^req-/);
    const body = (await r.json()) as ErrorBody;
    expect(body.error.code).toBe(`${r.status} ${body.error.title}`);
    return { status: r.status, message: body.error.message };
  };

  it('filters by size_min and size_max; a non-integer is 400', async () => {
    for (const [name, size] of [['s-10', 10], ['s-100', 100], ['s-1000', 1000]] as const) {
      const { body } = await create('demo', { name, disk_format: 'raw', container_format: 'bare', tags: ['sized'] });
      expect((await upload(body.id as string, size)).status).toBe(204);
    }
    expect(await names('tag=sized&size_min=100')).toEqual(['s-100', 's-1000']);
    expect(await names('tag=sized&size_max=100')).toEqual(['s-10', 's-100']);
    expect(await names('tag=sized&size_min=11&size_max=999')).toEqual(['s-100']);
    for (const bad of ['size_min=abc', 'size_max=1.5', 'size_min=']) {
      const r = await fault(await t.as('demo', `/v2/images?${bad}`));
      expect(r.status).toBe(400);
      expect(r.message).toContain('Unable to filter on a range with a non-numeric value.');
    }
  });

  it('answers limit=0 with an empty list and no next link; a negative or non-integer limit is 400', async () => {
    await create('demo', { name: 'limit-one' });
    const r = await t.as('demo', '/v2/images?limit=0');
    expect(r.status).toBe(200);
    const body = (await r.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ images: [], first: '/v2/images', schema: '/v2/schemas/images' });
    expect(body).not.toHaveProperty('next');
    expect(await fault(await t.as('demo', '/v2/images?limit=-1'))).toEqual({ status: 400, message: 'limit param must be positive' });
    expect(await fault(await t.as('demo', '/v2/images?limit=ten'))).toEqual({ status: 400, message: 'limit param must be an integer' });
  });

  it('refuses sort keys that are Object.prototype names (400, never 500)', async () => {
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      for (const q of [`sort_key=${key}`, `sort=${key}:asc`, `sort_key=name&sort_key=${key}&sort_dir=asc&sort_dir=desc`]) {
        const r = await fault(await t.as('demo', `/v2/images?${q}`));
        expect(r.status).toBe(400);
        expect(r.message).toContain(`Invalid sort key: ${key}.`);
      }
    }
  });

  it('refuses what Glance refuses in list queries (400)', async () => {
    const cases: Array<[string, string]> = [
      ['sort_dir=sideways', 'Invalid sort direction: sideways'],
      ['sort_key=name&sort_dir=sideways', 'Invalid sort direction: sideways'],
      ['sort=name:sideways', 'Invalid sort direction: sideways'],
      ['sort_key=name&sort_key=id&sort_dir=asc&sort_dir=desc&sort_dir=asc', 'Number of sort dirs does not match the number of sort keys'],
      ['sort=name&sort_dir=asc', 'Old and new sorting syntax cannot be combined'],
      ['member_status=garbage', 'Invalid status: garbage'],
      ['os_hidden=maybe', "Invalid value 'maybe' for 'os_hidden' filter. Valid values are 'true' or 'false'."],
      ['protected=maybe', "Invalid value 'maybe' for 'protected' filter. Valid values are 'true' or 'false'."],
      ['created_at=gte:garbage', 'Bad "created_at" query filter format. Use ISO 8601 DateTime notation.'],
      ['updated_at=lt:garbage', 'Bad "updated_at" query filter format. Use ISO 8601 DateTime notation.'],
      ['created_at=sideways:2020-01-01T00:00:00Z', 'Unable to filter on a unknown operator.'],
      ['visibility=everyone', 'Invalid visibility value: everyone'],
    ];
    for (const [q, message] of cases) {
      const r = await fault(await t.as('demo', `/v2/images?${q}`));
      expect({ q, ...r }).toEqual({ q, status: 400, message });
    }
  });

  it('filters by created_at and updated_at with Glance operators, and by protected and os_hidden', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    await create('demo', { name: 'when-1', tags: ['when'], protected: true });
    await create('demo', { name: 'when-2', tags: ['when'], os_hidden: true });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await names(`tag=when&created_at=gte:${before}`)).toEqual(['when-1']);
    expect(await names(`tag=when&os_hidden=true&created_at=gte:${before}`)).toEqual(['when-2']);
    expect(await names(`tag=when&updated_at=lt:${before}`)).toEqual([]);
    expect(await names(`tag=when&created_at=lte:${future}`)).toEqual(['when-1']);
    expect(await names('tag=when&protected=true')).toEqual(['when-1']);
    expect(await names('tag=when&protected=false')).toEqual([]);
    expect(await names('tag=when&os_hidden=TRUE')).toEqual(['when-2']);
  });

  it('refuses NUL characters in names, tags, member ids, property keys and values (400) and creates nothing', async () => {
    const bodies = [{ name: 'a\u0000b' }, { tags: ['x\u0000'] }, { 'k\u0000': 'v' }, { k: 'v\u0000' }];
    for (const b of bodies) {
      const r = await fault(await t.as('demo', '/v2/images', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ ...b, tags: [...((b as { tags?: string[] }).tags ?? []), 'nul-test'] }) }));
      expect(r.status).toBe(400);
      expect(r.message).toMatch(/NUL/);
    }
    expect(await names('tag=nul-test')).toEqual([]);
    const { body } = await create('demo', { name: 'clean', visibility: 'shared' });
    const id = body.id as string;
    for (const ops of [[{ op: 'replace', path: '/name', value: 'n\u0000' }], [{ op: 'add', path: '/k\u0000', value: 'v' }], [{ op: 'add', path: '/k', value: '\u0000' }], [{ op: 'add', path: '/tags/-', value: '\u0000' }]]) {
      const r = await fault(await t.as('demo', `/v2/images/${id}`, { method: 'PATCH', headers: V21, body: JSON.stringify(ops) }));
      expect(r.status).toBe(400);
    }
    expect((await fault(await t.as('demo', `/v2/images/${id}/tags/a%00b`, { method: 'PUT' }))).status).toBe(400);
    expect((await fault(await t.as('demo', `/v2/images/${id}/members`, { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ member: 'p\u0000x' }) }))).status).toBe(400);
    const shown = (await (await t.as('demo', `/v2/images/${id}`)).json()) as Record<string, unknown>;
    expect(shown).toMatchObject({ name: 'clean', tags: [] });
    expect(shown).not.toHaveProperty('k');
    expect(((await (await t.as('demo', `/v2/images/${id}/members`)).json()) as { members: unknown[] }).members).toEqual([]);
  });

  it('answers PUT /file with Content-Type application/json 415 (not a JSON parse error), before looking at the image', async () => {
    const { body } = await create('demo', { name: 'json-upload', disk_format: 'raw', container_format: 'bare' });
    const r = await fault(await t.as('demo', `/v2/images/${body.id as string}/file`, { method: 'PUT', headers: JSON_BODY, body: Buffer.from([0, 1, 2, 0xff]) }));
    expect(r).toEqual({ status: 415, message: 'Invalid content type application/json' });
    const valid = await fault(await t.as('demo', `/v2/images/${body.id as string}/file`, { method: 'PUT', headers: JSON_BODY, body: '{}' }));
    expect(valid.status).toBe(415);
    const missing = await fault(await t.as('demo', '/v2/images/00000000-0000-0000-0000-000000000000/file', { method: 'PUT', headers: JSON_BODY, body: '{}' }));
    expect(missing.status).toBe(415);
    expect(((await (await t.as('demo', `/v2/images/${body.id as string}`)).json()) as { status: string }).status).toBe('queued');
    expect((await t.as('demo', `/v2/images/${body.id as string}/file`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: 'data' })).status).toBe(204);
  });

  it('answers every error with the same JSON fault body, whatever the Accept header and wherever it is raised', async () => {
    const cases: Array<[string, RequestInit, number]> = [
      ['/v2/images/00000000-0000-0000-0000-000000000000', {}, 404],
      ['/v2/nothing-here', {}, 404],
      ['/v2/images', { method: 'POST', headers: JSON_BODY, body: '{"name": ' }, 400],
      ['/v2/images', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }) }, 413],
      ['/v2/images', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ checksum: 'x' }) }, 403],
      ['/v2/images', { method: 'DELETE' }, 405], // Glance: 405 for a method the path does not serve
      ['/v2/images/%zz', {}, 400],
      ['/v2/images?limit=-5', {}, 400],
    ];
    for (const accept of ['application/json', '*/*', '', 'text/html']) {
      for (const [path, init, status] of cases) {
        const r = await fault(await t.as('demo', path, { ...init, headers: { ...(init.headers as Record<string, string>), accept } }));
        expect({ path, accept, status: r.status }).toEqual({ path, accept, status });
        expect(r.message.length).toBeGreaterThan(0);
      }
    }
    const noToken = await fault(await fetch(`${t.url}/v2/images`));
    expect(noToken.status).toBe(401);
  });
});
