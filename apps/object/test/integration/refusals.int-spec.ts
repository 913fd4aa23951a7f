import { TestCluster } from '../support/cluster';

/** Requests Swift refuses (or that this service does not implement) are refused, and change nothing. */
jest.setTimeout(30_000);

describe('object proxy refusals', () => {
  const cluster = new TestCluster();
  beforeAll(async () => {
    await cluster.start(3);
    await cluster.fetch('/ref', { method: 'PUT' });
  });
  afterAll(() => cluster.stop());

  it.each([
    ['.r:*', "Referrers not allowed in write ACL: '.r:*'"],
    ['p1:u1, .referrer:example.com', "Referrers not allowed in write ACL: '.referrer:example.com'"],
    ['.x:y', "Unknown designator '.x' in ACL"],
  ])('refuses X-Container-Write %s (a referrer ACL is read-only), on PUT and POST', async (acl, text) => {
    for (const [method, path] of [['PUT', '/ref-new'], ['POST', '/ref']]) {
      const r = await cluster.fetch(path, { method, headers: { 'x-container-write': acl } });
      expect([method, r.status]).toEqual([method, 400]);
      expect(await r.text()).toContain(text);
    }
    expect((await cluster.fetch('/ref-new', { method: 'HEAD' })).status).toBe(404);
    expect((await cluster.fetch('/ref', { method: 'HEAD' })).headers.get('x-container-write')).toBeNull();
  });

  it.each([
    ['POST', '/ref-missing'],
    ['DELETE', '/ref-missing'],
    ['POST', '/ref/missing'],
    ['DELETE', '/ref/missing'],
  ])('answers %s %s of nothing with Swift\'s 404 body', async (method, path) => {
    const r = await cluster.fetch(path, { method });
    expect(r.status).toBe(404);
    expect(r.headers.get('content-type')).toBe('text/html; charset=UTF-8');
    expect(await r.text()).toBe('<html><h1>Not Found</h1><p>The resource could not be found.</p></html>');
  });

  it('cleans read ACLs as Swift does, and refuses a referrer without a host', async () => {
    expect((await cluster.fetch('/ref', { method: 'POST', headers: { 'x-container-read': ' .referrer : * , .rlistings,, p1:u1 ' } })).status).toBe(204);
    expect((await cluster.fetch('/ref', { method: 'HEAD' })).headers.get('x-container-read')).toBe('.r:*,.rlistings,p1:u1');
    const r = await cluster.fetch('/ref', { method: 'POST', headers: { 'x-container-read': '.r:' } });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('No host/domain value after referrer');
  });

  it('refuses If-None-Match other than * on an object PUT, and honours *', async () => {
    let r = await cluster.fetch('/ref/inm', { method: 'PUT', body: 'x', headers: { 'if-none-match': '"abc"' } });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain('If-None-Match only supports *');
    expect((await cluster.fetch('/ref/inm', { method: 'HEAD' })).status).toBe(404);
    r = await cluster.fetch('/ref/inm', { method: 'PUT', body: 'one', headers: { 'if-none-match': '*' } });
    expect(r.status).toBe(201);
    r = await cluster.fetch('/ref/inm', { method: 'PUT', body: 'two', headers: { 'if-none-match': '*' } });
    expect(r.status).toBe(412);
    expect(await (await cluster.fetch('/ref/inm')).text()).toBe('one');
  });

  it.each([
    ['POST', '?bulk-delete', 'text/plain', '/ref/inm\n', 400, 'not supported'],
    ['DELETE', '?bulk-delete', 'text/plain', '/ref/inm\n', 405, 'not allowed'],
    ['PUT', '/ref?extract-archive=tar', 'application/x-tar', '', 400, 'not supported'],
    ['PUT', '/ref-tar?extract-archive=tar.gz', 'application/x-tar', '', 400, 'not supported'],
    ['PUT', '/ref/inm?extract-archive=tar', 'application/x-tar', '', 400, 'not supported'],
  ])('does not silently succeed: %s %s', async (method, path, type, body, status, text) => {
    const r = await cluster.fetch(path, { method, body, headers: { 'content-type': type } });
    expect(r.status).toBe(status);
    expect(await r.text()).toContain(text);
    expect((await cluster.fetch('/ref/inm', { method: 'HEAD' })).status).toBe(200);
    expect((await cluster.fetch('/ref-tar', { method: 'HEAD' })).status).toBe(404);
  });
});
