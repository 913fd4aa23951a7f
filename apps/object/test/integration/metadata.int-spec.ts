import { TestCluster } from '../support/cluster';

/** Metadata as Swift keeps it: X-Remove-*-Meta-* and empty values remove, copies inherit, container PUTs keep theirs. */
jest.setTimeout(30_000);

describe('object service metadata', () => {
  const cluster = new TestCluster();
  beforeAll(async () => {
    await cluster.start(3);
    await cluster.fetch('/md', { method: 'PUT' });
  });
  afterAll(() => cluster.stop());

  const head = async (path: string) => {
    const r = await cluster.fetch(path, { method: 'HEAD' });
    expect(r.status).toBeLessThan(300);
    return r.headers;
  };
  const metaKeys = (h: Headers, kind: string) => [...h.keys()].filter((k) => k.startsWith(`x-${kind}-meta-`)).sort();

  it('removes object metadata with X-Remove-Object-Meta-* and an empty value, on PUT and POST', async () => {
    let r = await cluster.fetch('/md/o1', { method: 'PUT', body: 'x', headers: { 'x-object-meta-keep': 'k', 'x-object-meta-empty': '', 'x-remove-object-meta-gone': 'x' } });
    expect(r.status).toBe(201);
    expect(metaKeys(await head('/md/o1'), 'object')).toEqual(['x-object-meta-keep']);
    r = await cluster.fetch('/md/o1', { method: 'POST', headers: { 'x-object-meta-a': '1', 'x-object-meta-b': '', 'x-remove-object-meta-c': 'x' } });
    expect(r.status).toBe(202);
    expect(metaKeys(await head('/md/o1'), 'object')).toEqual(['x-object-meta-a']);
  });

  it.each([
    ['container', '/md-rm'],
    ['account', ''],
  ])('removes %s metadata with X-Remove-*-Meta-* and an empty value, on PUT and POST', async (kind, path) => {
    const put = kind === 'container' ? 'PUT' : 'POST';
    expect((await cluster.fetch(path, { method: put, headers: { [`x-${kind}-meta-a`]: '1', [`x-${kind}-meta-b`]: '2', [`x-${kind}-meta-c`]: '3' } })).status).toBeLessThan(300);
    expect(metaKeys(await head(path), kind)).toEqual([`x-${kind}-meta-a`, `x-${kind}-meta-b`, `x-${kind}-meta-c`]);
    expect((await cluster.fetch(path, { method: put, headers: { [`x-remove-${kind}-meta-a`]: 'x', [`x-${kind}-meta-b`]: '' } })).status).toBeLessThan(300);
    const h = await head(path);
    expect(metaKeys(h, kind)).toEqual([`x-${kind}-meta-c`]);
    expect((await cluster.fetch(path, { method: 'POST', headers: { [`x-remove-${kind}-meta-c`]: 'x' } })).status).toBe(204);
    expect(metaKeys(await head(path), kind)).toEqual([]);
  });

  it.each([
    ['COPY', (from: string, to: string, h: Record<string, string>) => cluster.fetch(from, { method: 'COPY', headers: { destination: to, ...h } })],
    ['PUT with X-Copy-From', (from: string, to: string, h: Record<string, string>) => cluster.fetch(to, { method: 'PUT', headers: { 'x-copy-from': from, 'content-length': '0', ...h } })],
  ])('%s keeps the source metadata and merges the request\'s, unless X-Fresh-Metadata', async (_how, copy) => {
    await cluster.fetch('/md/src', { method: 'PUT', body: 'data', headers: { 'x-object-meta-a': 'src-a', 'x-object-meta-b': 'src-b', 'content-type': 'text/x-src', 'content-disposition': 'inline' } });
    let r = await copy('/md/src', '/md/dst', { 'x-object-meta-b': 'req-b', 'x-object-meta-c': 'req-c' });
    expect(r.status).toBe(201);
    let h = await head('/md/dst');
    expect(Object.fromEntries(metaKeys(h, 'object').map((k) => [k, h.get(k)]))).toEqual({ 'x-object-meta-a': 'src-a', 'x-object-meta-b': 'req-b', 'x-object-meta-c': 'req-c' });
    expect(h.get('content-type')).toBe('text/x-src');
    expect(h.get('content-disposition')).toBe('inline');
    expect(await (await cluster.fetch('/md/dst')).text()).toBe('data');
    r = await copy('/md/src', '/md/dst2', { 'x-remove-object-meta-a': 'x', 'x-object-meta-b': '' });
    expect(r.status).toBe(201);
    expect(metaKeys(await head('/md/dst2'), 'object')).toEqual([]);
    r = await copy('/md/src', '/md/fresh', { 'x-fresh-metadata': 'true', 'x-object-meta-c': 'req-c' });
    expect(r.status).toBe(201);
    h = await head('/md/fresh');
    expect(metaKeys(h, 'object')).toEqual(['x-object-meta-c']);
  });

  it('keeps the metadata and ACLs sent with a container PUT, also on a PUT of an existing container', async () => {
    expect((await cluster.fetch('/md-put', { method: 'PUT', headers: { 'x-container-meta-one': '1', 'x-container-read': '.r:*' } })).status).toBe(201);
    let h = await head('/md-put');
    expect(h.get('x-container-meta-one')).toBe('1');
    expect(h.get('x-container-read')).toBe('.r:*');
    expect((await cluster.fetch('/md-put', { method: 'PUT', headers: { 'x-container-meta-two': '2' } })).status).toBe(202);
    h = await head('/md-put');
    expect(h.get('x-container-meta-one')).toBe('1');
    expect(h.get('x-container-meta-two')).toBe('2');
    // and listed through the account row too
    const list = await (await cluster.fetch('?format=json')).json();
    expect(list).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'md-put' })]));
  });
});
