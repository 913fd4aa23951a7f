import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { startImageApp, TestImageApp } from '../support/app';

jest.setTimeout(30_000);

const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };
const JSON_BODY = { 'content-type': 'application/json' };

/** Glance v2 semantics against a real MariaDB and a file store. */
describe('image API', () => {
  let t: TestImageApp;
  beforeAll(async () => {
    t = await startImageApp({ image_size_cap: 4 * 1024 * 1024 });
  });
  afterAll(() => t.close());

  const create = (who: string, body: Record<string, unknown>) => t.createImage(who, body);
  const upload = (who: string, id: string, data: Buffer, headers: Record<string, string> = {}) =>
    t.as(who, `/v2/images/${id}/file`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', ...headers }, body: data });
  const show = async (who: string, id: string) => {
    const r = await t.as(who, `/v2/images/${id}`);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const storedFiles = () => readdirSync(t.config.image.file_dir);

  it('discovers versions: 300 at /, 200 at /versions, no token needed', async () => {
    const root = await fetch(`${t.url}/`);
    expect(root.status).toBe(300);
    const body = (await root.json()) as { versions: Array<{ id: string; status: string; links: unknown[] }> };
    expect(body.versions[0]).toMatchObject({ id: 'v2.16', status: 'CURRENT', links: [{ rel: 'self', href: 'http://127.0.0.1:9292/v2/' }] });
    expect((await fetch(`${t.url}/versions`)).status).toBe(200);
    expect(root.headers.get('x-openstack-request-id')).toMatch(/^req-/);
  });

  it('creates a queued image with every field, uploads it, and serves identical bytes with checksums', async () => {
    const { status, body } = await create('demo', { name: 'tiny', disk_format: 'raw', container_format: 'bare', os_distro: 'busybox', tags: ['t1'] });
    expect(status).toBe(201);
    expect(body).toMatchObject({ name: 'tiny', status: 'queued', visibility: 'shared', protected: false, os_hidden: false, checksum: null, size: null, virtual_size: null, owner: 'p-demo', tags: ['t1'], os_distro: 'busybox', min_disk: 0, min_ram: 0, schema: '/v2/schemas/image' });
    const id = body.id as string;
    expect(body.self).toBe(`/v2/images/${id}`);
    const data = randomBytes(300_000);
    expect((await upload('demo', id, data)).status).toBe(204);
    const shown = (await show('demo', id)).body;
    expect(shown).toMatchObject({
      status: 'active',
      size: data.length,
      virtual_size: data.length,
      checksum: createHash('md5').update(data).digest('hex'),
      os_hash_algo: 'sha512',
      os_hash_value: createHash('sha512').update(data).digest('hex'),
    });
    const got = await t.as('demo', `/v2/images/${id}/file`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-md5')).toBe(shown.checksum);
    expect(Buffer.from(await got.arrayBuffer()).equals(data)).toBe(true);
    const part = await t.as('demo', `/v2/images/${id}/file`, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${data.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(10, 20))).toBe(true);
    expect((await t.as('demo', `/v2/images/${id}/file`, { headers: { range: `bytes=${data.length}-` } })).status).toBe(416);
  });

  it('reads the virtual size of a qcow2 from its header', async () => {
    const { body } = await create('demo', { name: 'q', disk_format: 'qcow2', container_format: 'bare' });
    const header = Buffer.alloc(4096);
    header.writeUInt32BE(0x514649fb, 0);
    header.writeUInt32BE(3, 4);
    header.writeBigUInt64BE(BigInt(1024 ** 3), 24);
    await upload('demo', body.id as string, header);
    expect((await show('demo', body.id as string)).body).toMatchObject({ size: 4096, virtual_size: 1024 ** 3 });
  });

  it('refuses a second upload (409), a wrong content type (415), missing formats (400), an unknown disk_format (400)', async () => {
    const { body } = await create('demo', { name: 'x', disk_format: 'raw', container_format: 'bare' });
    const id = body.id as string;
    expect((await upload('demo', id, Buffer.from('abc'))).status).toBe(204);
    const again = await upload('demo', id, Buffer.from('abc'));
    expect(again.status).toBe(409);
    const noFormats = (await create('demo', { name: 'y' })).body.id as string;
    expect((await upload('demo', noFormats, Buffer.from('abc'))).status).toBe(400);
    const wrongType = await t.as('demo', `/v2/images/${noFormats}/file`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'abc' });
    expect(wrongType.status).toBe(415);
    const bad = await create('demo', { name: 'z', disk_format: 'floppy' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('disk_format');
  });

  it('refuses an upload over the size cap with 413 and keeps nothing', async () => {
    const { body } = await create('demo', { name: 'big', disk_format: 'raw', container_format: 'bare' });
    const before = storedFiles().length;
    const r = await upload('demo', body.id as string, randomBytes(5 * 1024 * 1024));
    expect(r.status).toBe(413);
    expect((await show('demo', body.id as string)).body.status).toBe('queued');
    expect(storedFiles().length).toBe(before);
  });

  it('puts an interrupted upload back to queued, serving nothing and keeping no partial data', async () => {
    const { body } = await create('demo', { name: 'cut', disk_format: 'raw', container_format: 'bare' });
    const id = body.id as string;
    const before = storedFiles().length;
    const url = new URL(t.url);
    await new Promise<void>((resolve) => {
      const req = request({ host: url.hostname, port: url.port, method: 'PUT', path: `/v2/images/${id}/file`, headers: { 'x-auth-token': 'demo', 'content-type': 'application/octet-stream', 'content-length': 2_000_000 } });
      req.on('error', () => resolve());
      req.write(randomBytes(500_000));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
    for (let i = 0; i < 50 && (await show('demo', id)).body.status !== 'queued'; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await show('demo', id)).body).toMatchObject({ status: 'queued', size: null, checksum: null });
    expect((await t.as('demo', `/v2/images/${id}/file`)).status).toBe(204);
    expect(storedFiles().length).toBe(before);
    expect(storedFiles().filter((f) => f.includes('.part-'))).toEqual([]);
  });

  it('patches with JSON patch: add replaces, remove, tags; read-only attributes 403; malformed 400; other content types 415', async () => {
    const { body } = await create('demo', { name: 'p', disk_format: 'raw', container_format: 'bare' });
    const id = body.id as string;
    const patch = (ops: unknown, headers: Record<string, string> = PATCH) => t.as('demo', `/v2/images/${id}`, { method: 'PATCH', headers, body: typeof ops === 'string' ? ops : JSON.stringify(ops) });
    const r = await patch([
      { op: 'add', path: '/name', value: 'renamed' },
      { op: 'add', path: '/os_distro', value: 'busybox' },
      { op: 'add', path: '/hw_disk_bus', value: 'virtio' },
      { op: 'replace', path: '/tags', value: ['a', 'b'] },
      { op: 'add', path: '/min_ram', value: 64 },
    ]);
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ name: 'renamed', os_distro: 'busybox', hw_disk_bus: 'virtio', tags: ['a', 'b'], min_ram: 64 });
    const removed = await patch([{ op: 'remove', path: '/hw_disk_bus' }]);
    expect(await removed.json()).not.toHaveProperty('hw_disk_bus');
    const ro = await patch([{ op: 'replace', path: '/checksum', value: 'x' }]);
    expect(ro.status).toBe(403);
    expect(await ro.text()).toContain("Attribute 'checksum' is read-only.");
    expect((await patch('[{"op": "add", "path"')).status).toBe(400);
    expect((await patch([{ op: 'move', path: '/name', from: '/x' }])).status).toBe(400);
    expect((await patch([{ op: 'add', path: '/name', value: 'x' }], JSON_BODY)).status).toBe(415);
    expect((await patch([{ op: 'replace', path: '/nope', value: 'x' }])).status).toBe(409);
  });

  it('lets only admin publish, only the owner change, and readers read', async () => {
    expect((await create('demo', { name: 'pub', visibility: 'public' })).status).toBe(403);
    const pub = (await create('admin', { name: 'pub', visibility: 'public', disk_format: 'raw', container_format: 'bare' })).body.id as string;
    expect((await show('other', pub)).status).toBe(200);
    expect((await t.as('demo', `/v2/images/${pub}`, { method: 'DELETE' })).status).toBe(403);
    expect((await t.as('demo', `/v2/images/${pub}`, { method: 'PATCH', headers: PATCH, body: JSON.stringify([{ op: 'add', path: '/name', value: 'mine' }]) })).status).toBe(403);
    const priv = (await create('admin', { name: 'secret', visibility: 'private' })).body.id as string;
    expect((await show('demo', priv)).status).toBe(404);
    const own = (await create('demo', { name: 'readable' })).body.id as string;
    expect((await show('reader', own)).status).toBe(200);
    expect((await t.as('reader', `/v2/images/${own}`, { method: 'PATCH', headers: PATCH, body: JSON.stringify([{ op: 'add', path: '/name', value: 'r' }]) })).status).toBe(403);
    const list = (await (await t.as('demo', '/v2/images')).json()) as { images: Array<{ id: string }> };
    expect(list.images.map((i) => i.id)).toEqual(expect.arrayContaining([pub, own]));
    expect(list.images.map((i) => i.id)).not.toContain(priv);
  });

  it('shares through members: pending is invisible in lists, accepted shows', async () => {
    const id = (await create('demo', { name: 'shared-one', visibility: 'shared' })).body.id as string;
    const add = await t.as('demo', `/v2/images/${id}/members`, { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ member: 'p-other' }) });
    expect(add.status).toBe(200);
    expect(await add.json()).toMatchObject({ image_id: id, member_id: 'p-other', status: 'pending', schema: '/v2/schemas/member' });
    const ids = async (who: string) => ((await (await t.as(who, '/v2/images')).json()) as { images: Array<{ id: string }> }).images.map((i) => i.id);
    expect(await ids('other')).not.toContain(id);
    expect((await show('other', id)).status).toBe(200);
    const accept = await t.as('other', `/v2/images/${id}/members/p-other`, { method: 'PUT', headers: JSON_BODY, body: JSON.stringify({ status: 'accepted' }) });
    expect(accept.status).toBe(200);
    expect(await ids('other')).toContain(id);
    expect((await t.as('demo', `/v2/images/${id}/members/p-other`, { method: 'PUT', headers: JSON_BODY, body: JSON.stringify({ status: 'accepted' }) })).status).toBe(403);
    const members = (await (await t.as('demo', `/v2/images/${id}/members`)).json()) as { members: unknown[] };
    expect(members.members).toHaveLength(1);
    expect((await t.as('demo', `/v2/images/${id}/members/p-other`, { method: 'DELETE' })).status).toBe(204);
    expect((await show('other', id)).status).toBe(404);
  });

  it('filters, sorts and pages lists', async () => {
    for (const n of ['page-a', 'page-b', 'page-c']) await create('demo', { name: n, disk_format: 'qcow2', container_format: 'bare', tags: ['paging'], os_distro: n === 'page-b' ? 'special' : 'plain' });
    const page1 = (await (await t.as('demo', '/v2/images?tag=paging&sort_key=name&sort_dir=asc&limit=2')).json()) as { images: Array<{ name: string; id: string }>; next?: string };
    expect(page1.images.map((i) => i.name)).toEqual(['page-a', 'page-b']);
    expect(page1.next).toContain(`marker=${page1.images[1].id}`);
    const page2 = (await (await t.as('demo', page1.next!)).json()) as { images: Array<{ name: string }>; next?: string };
    expect(page2.images.map((i) => i.name)).toEqual(['page-c']);
    expect(page2.next).toBeUndefined();
    const sorted = (await (await t.as('demo', '/v2/images?tag=paging&sort=name:desc')).json()) as { images: Array<{ name: string }> };
    expect(sorted.images.map((i) => i.name)).toEqual(['page-c', 'page-b', 'page-a']);
    const byProp = (await (await t.as('demo', '/v2/images?os_distro=special')).json()) as { images: Array<{ name: string }> };
    expect(byProp.images.map((i) => i.name)).toEqual(['page-b']);
    expect((await t.as('demo', '/v2/images?sort_key=bogus')).status).toBe(400);
    expect((await t.as('demo', '/v2/images?marker=00000000-0000-0000-0000-000000000000')).status).toBe(400);
  });

  it('deactivates (admin only; data hidden from others) and reactivates', async () => {
    const id = (await create('admin', { name: 'deact', visibility: 'public', disk_format: 'raw', container_format: 'bare' })).body.id as string;
    await upload('admin', id, Buffer.from('data'));
    expect((await t.as('demo', `/v2/images/${id}/actions/deactivate`, { method: 'POST' })).status).toBe(403);
    expect((await t.as('admin', `/v2/images/${id}/actions/deactivate`, { method: 'POST' })).status).toBe(204);
    expect((await show('demo', id)).body.status).toBe('deactivated');
    expect((await t.as('demo', `/v2/images/${id}/file`)).status).toBe(403);
    expect((await t.as('admin', `/v2/images/${id}/actions/reactivate`, { method: 'POST' })).status).toBe(204);
    expect((await t.as('demo', `/v2/images/${id}/file`)).status).toBe(200);
  });

  it('deletes an image with its data; a protected one cannot be deleted', async () => {
    const id = (await create('demo', { name: 'del', disk_format: 'raw', container_format: 'bare', protected: true })).body.id as string;
    await upload('demo', id, Buffer.from('bytes'));
    expect(storedFiles()).toContain(id);
    expect((await t.as('demo', `/v2/images/${id}`, { method: 'DELETE' })).status).toBe(403);
    await t.as('demo', `/v2/images/${id}`, { method: 'PATCH', headers: PATCH, body: JSON.stringify([{ op: 'replace', path: '/protected', value: false }]) });
    expect((await t.as('demo', `/v2/images/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await show('demo', id)).status).toBe(404);
    expect(storedFiles()).not.toContain(id);
  });

  it('says clearly when the data is missing from the store', async () => {
    const id = (await create('demo', { name: 'lost', disk_format: 'raw', container_format: 'bare' })).body.id as string;
    await upload('demo', id, Buffer.from('bytes'));
    const { rmSync } = await import('node:fs');
    rmSync(join(t.config.image.file_dir, id));
    const r = await t.as('demo', `/v2/images/${id}/file`);
    expect(r.status).toBe(410);
    expect(await r.text()).toContain('missing from the file store');
  });

  it('tags with PUT/DELETE and serves schemas and import info', async () => {
    const id = (await create('demo', { name: 'tagged' })).body.id as string;
    expect((await t.as('demo', `/v2/images/${id}/tags/blue`, { method: 'PUT' })).status).toBe(204);
    expect((await show('demo', id)).body.tags).toEqual(['blue']);
    expect((await t.as('demo', `/v2/images/${id}/tags/blue`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.as('demo', `/v2/images/${id}/tags/blue`, { method: 'DELETE' })).status).toBe(404);
    const schema = (await (await t.as('demo', '/v2/schemas/image')).json()) as { name: string; properties: Record<string, unknown> };
    expect(schema.name).toBe('image');
    expect(schema.properties).toHaveProperty('os_hash_value');
    expect((await t.as('demo', '/v2/schemas/images')).status).toBe(200);
    expect(await (await t.as('demo', '/v2/info/import')).json()).toMatchObject({ 'import-methods': { value: [] } });
  });

  it('answers 401 without a token and 404 with Glance\'s body for an unknown image', async () => {
    expect((await fetch(`${t.url}/v2/images`)).status).toBe(401);
    const r = await t.as('demo', '/v2/images/00000000-0000-0000-0000-000000000000', { headers: { accept: 'application/json' } });
    expect(r.status).toBe(404);
    expect(await r.json()).toEqual({ error: { message: 'No image found with ID 00000000-0000-0000-0000-000000000000', code: '404 Not Found', title: 'Not Found' } });
  });
});
