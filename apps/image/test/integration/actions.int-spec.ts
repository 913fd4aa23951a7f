import { startImageApp, TestImageApp } from '../support/app';

jest.setTimeout(30_000);

const JSON_BODY = { 'content-type': 'application/json' };

/** Deactivate/reactivate under Glance's default policy: admin, or a member of the image's owner project. */
describe('image actions', () => {
  let t: TestImageApp;
  beforeAll(async () => {
    t = await startImageApp();
  });
  afterAll(() => t.close());

  const activeImage = async (who: string, visibility = 'public') => {
    const r = await t.as(who, '/v2/images', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ name: 'act', visibility, disk_format: 'raw', container_format: 'bare' }) });
    const id = ((await r.json()) as { id: string }).id;
    expect((await t.as(who, `/v2/images/${id}/file`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: 'data' })).status).toBe(204);
    return id;
  };
  const status = async (id: string) => ((await (await t.as('admin', `/v2/images/${id}`)).json()) as { status: string }).status;
  const action = (who: string, id: string, what: 'deactivate' | 'reactivate') => t.as(who, `/v2/images/${id}/actions/${what}`, { method: 'POST' });

  it('lets a member of the owner project deactivate and reactivate its image', async () => {
    const id = await activeImage('demo', 'shared');
    expect((await action('demo', id, 'deactivate')).status).toBe(204);
    expect(await status(id)).toBe('deactivated');
    expect((await action('demo', id, 'deactivate')).status).toBe(204);
    expect((await action('demo', id, 'reactivate')).status).toBe(204);
    expect(await status(id)).toBe('active');
  });

  it('refuses a reader of the owner project and a member of another project (403), keeping the status', async () => {
    const id = await activeImage('admin');
    const other = await action('other', id, 'deactivate');
    expect(other.status).toBe(403);
    expect(await other.text()).toContain('You are not authorized to complete deactivate action.');
    const own = await activeImage('demo', 'shared');
    expect((await action('reader', own, 'deactivate')).status).toBe(403);
    expect(await status(own)).toBe('active');
    expect((await action('admin', own, 'deactivate')).status).toBe(204);
    expect((await action('reader', own, 'reactivate')).status).toBe(403);
    expect(await status(own)).toBe('deactivated');
  });

  it('refuses to deactivate a queued image (403, as Glance)', async () => {
    const r = await t.as('demo', '/v2/images', { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ name: 'q' }) });
    const id = ((await r.json()) as { id: string }).id;
    const d = await action('demo', id, 'deactivate');
    expect(d.status).toBe(403);
    expect(await d.text()).toContain("Not allowed to deactivate image in status 'queued'");
  });
});
