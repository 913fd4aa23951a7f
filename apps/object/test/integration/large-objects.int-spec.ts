import { createHash } from 'node:crypto';
import { TestCluster } from '../support/cluster';

/** Static large objects: segment ranges in the manifest and Range requests on the whole, as Swift's slo serves them. */
jest.setTimeout(30_000);

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('static large objects', () => {
  const cluster = new TestCluster();
  // three 400-byte segments: 1000 bytes of the digits in turn, then two ranged ones
  const seg = (c: string) => c.repeat(400);
  const whole = seg('a') + seg('b') + seg('c').slice(0, 200);
  beforeAll(async () => {
    await cluster.start(3);
    await cluster.fetch('/lo', { method: 'PUT' });
    for (const c of ['a', 'b', 'c']) await cluster.fetch(`/lo/${c}`, { method: 'PUT', body: seg(c) });
    const r = await cluster.fetch('/lo/big?multipart-manifest=put', { method: 'PUT', body: JSON.stringify([{ path: '/lo/a' }, { path: '/lo/b' }, { path: '/lo/c', range: '0-199' }]) });
    if (r.status !== 201) throw new Error(`manifest PUT answered ${r.status}`);
  });
  afterAll(() => cluster.stop());

  const get = (path: string, headers: Record<string, string> = {}) => cluster.fetch(path, { headers });

  it('serves only the range of a segment that the manifest gives', async () => {
    const r = await cluster.fetch('/lo/ranged?multipart-manifest=put', {
      method: 'PUT',
      body: JSON.stringify([{ path: '/lo/a', range: '10-19' }, { path: '/lo/b', range: '-5' }, { path: '/lo/c', range: '398-' }, { path: '/lo/a', range: '0-399' }]),
    });
    expect(r.status).toBe(201);
    // Swift's etag: md5 of `etag:range;` for ranged segments, the plain etag for a whole one (a range of the whole is dropped)
    const etag = md5(`${md5(seg('a'))}:10-19;${md5(seg('b'))}:395-399;${md5(seg('c'))}:398-399;${md5(seg('a'))}`);
    expect(r.headers.get('etag')).toBe(`"${etag}"`);
    const got = await get('/lo/ranged');
    expect(got.status).toBe(200);
    expect(got.headers.get('content-length')).toBe(String(10 + 5 + 2 + 400));
    expect(got.headers.get('etag')).toBe(`"${etag}"`);
    expect(await got.text()).toBe('a'.repeat(10) + 'b'.repeat(5) + 'cc' + seg('a'));
    const stored = (await (await get('/lo/ranged?multipart-manifest=get')).json()) as Array<{ range?: string }>;
    expect(stored.map((e) => e.range)).toEqual(['10-19', '395-399', '398-399', undefined]);
  });

  it.each([
    ['an unsatisfiable range', '400-', 'Unsatisfiable Range'],
    ['an invalid range', 'x-y', 'invalid range'],
    ['several ranges', '0-1,3-4', 'multiple ranges'],
  ])('refuses a manifest segment with %s', async (_what, range, text) => {
    const r = await cluster.fetch('/lo/bad?multipart-manifest=put', { method: 'PUT', body: JSON.stringify([{ path: '/lo/a', range }]) });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain(text);
    expect((await cluster.fetch('/lo/bad', { method: 'HEAD' })).status).toBe(404);
  });

  it.each([
    ['bytes=995-1002', 995, 999],
    ['bytes=0-0', 0, 0],
    ['bytes=399-400', 399, 400],
    ['bytes=350-850', 350, 850],
    ['bytes=-10', 990, 999],
    ['bytes=900-', 900, 999],
    ['bytes=0-5000', 0, 999],
  ])('answers Range %s with 206 and those bytes', async (range, first, last) => {
    const r = await get('/lo/big', { range });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe(`bytes ${first}-${last}/1000`);
    expect(r.headers.get('content-length')).toBe(String(last - first + 1));
    expect(await r.text()).toBe(whole.slice(first, last + 1));
  });

  it.each([
    ['bytes=2-4', 206, 'cde'],
    ['bytes = 2-4', 206, 'cde'],
    ['bytes=-3', 206, 'hij'],
    ['bytes=7-', 206, 'hij'],
    ['bytes=3-1', 200, 'abcdefghij'],
    ['bytes=x', 200, 'abcdefghij'],
    ['bytes=20-', 416, undefined],
    ['bytes=-0', 416, undefined],
  ])('answers Range %s on a plain object as Swift (%d)', async (range, status, body) => {
    await cluster.fetch('/lo/plain', { method: 'PUT', body: 'abcdefghij' });
    const r = await get('/lo/plain', { range });
    expect(r.status).toBe(status);
    const text = await r.text();
    expect(status === 416 ? r.headers.get('content-range') : text).toBe(body ?? 'bytes */10');
  });

  it('answers a single range of a plain multi-MiB object from the node’s range (x-backend-range), the same bytes; the whole as a range too', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 12)) & 0xff;
    expect((await cluster.fetch('/lo/ranged-big', { method: 'PUT', body: big })).status).toBe(201);
    for (const [first, last] of [[4 * 1024 * 1024 + 3, 5 * 1024 * 1024 + 6], [1, 2], [0, big.length - 1], [65_536, 3 * 1024 * 1024]]) {
      const r = await get('/lo/ranged-big', { range: `bytes=${first}-${last}` });
      expect(r.status).toBe(206);
      expect(r.headers.get('content-range')).toBe(`bytes ${first}-${last}/${big.length}`);
      expect(Buffer.from(await r.arrayBuffer()).equals(big.subarray(first, last + 1))).toBe(true);
    }
  });

  /** The parts of a multipart/byteranges body: each part's Content-Range and bytes. */
  function byteranges(contentType: string | null, body: string): Array<[string, string]> {
    const boundary = /^multipart\/byteranges;boundary=([0-9a-f]{32})$/.exec(contentType ?? '')?.[1];
    expect(boundary).toBeDefined();
    expect(body.endsWith(`--${boundary}--`)).toBe(true);
    return body
      .slice(0, -`--${boundary}--`.length)
      .split(`--${boundary}\r\n`)
      .slice(1)
      .map((part) => {
        const [head, ...rest] = part.split('\r\n\r\n');
        return [/Content-Range: (.*)/.exec(head)![1], rest.join('\r\n\r\n').slice(0, -2)];
      });
  }

  it.each([
    ['a plain object', '/lo/plain', 'abcdefghij', 'bytes=0-1,-2,5-5'],
    ['an SLO', '/lo/big', whole, 'bytes=0-1,395-404,-3'],
  ])('answers several ranges of %s with a multipart/byteranges 206, as Swift', async (_what, path, data, range) => {
    await cluster.fetch('/lo/plain', { method: 'PUT', body: 'abcdefghij', headers: { 'content-type': 'text/x-plain' } });
    const r = await get(path, { range });
    expect(r.status).toBe(206);
    const body = await r.text();
    expect(r.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
    const size = data.length;
    const wanted = range.slice(6).split(',').map((spec) => {
      const [a, b] = spec.split('-');
      const first = a === '' ? size - Number(b) : Number(a);
      const last = a === '' || b === '' ? size - 1 : Number(b);
      return [`bytes ${first}-${last}/${size}`, data.slice(first, last + 1)];
    });
    expect(byteranges(r.headers.get('content-type'), body)).toEqual(wanted);
  });

  it('refuses an egregious set of ranges (swob: more than 2 overlapping) with 416', async () => {
    const r = await get('/lo/plain', { range: 'bytes=0-5,1-6,2-7,3-8' });
    expect(r.status).toBe(416);
  });

  it('copies a large object\'s content (SLO and DLO), a manifest as such with ?multipart-manifest=get, and one Range as that part', async () => {
    let r = await cluster.fetch('/lo/big', { method: 'COPY', headers: { destination: '/lo/big-copy' } });
    expect(r.status).toBe(201);
    let h = await cluster.fetch('/lo/big-copy', { method: 'HEAD' });
    expect(h.headers.get('x-static-large-object')).toBeNull();
    expect(h.headers.get('content-length')).toBe('1000');
    expect(await (await get('/lo/big-copy')).text()).toBe(whole);
    r = await cluster.fetch('/lo/big-manifest?multipart-manifest=get', { method: 'PUT', headers: { 'x-copy-from': '/lo/big', 'content-length': '0' } });
    expect(r.status).toBe(201);
    h = await cluster.fetch('/lo/big-manifest', { method: 'HEAD' });
    expect(h.headers.get('x-static-large-object')).toBe('True');
    expect(await (await get('/lo/big-manifest')).text()).toBe(whole);
    r = await cluster.fetch('/lo/big-part', { method: 'PUT', headers: { 'x-copy-from': '/lo/big', 'content-length': '0', range: 'bytes=395-404' } });
    expect(r.status).toBe(201);
    expect(await (await get('/lo/big-part')).text()).toBe(whole.slice(395, 405));
    await cluster.fetch('/lo/plain', { method: 'PUT', body: 'abcdefghij' });
    r = await cluster.fetch('/lo/plain', { method: 'COPY', headers: { destination: '/lo/plain-part', range: 'bytes=-4' } });
    expect(r.status).toBe(201);
    expect(await (await get('/lo/plain-part')).text()).toBe('ghij');
    expect((await cluster.fetch('/lo/plain', { method: 'COPY', headers: { destination: '/lo/plain-none', range: 'bytes=50-' } })).status).toBe(416);
    expect((await cluster.fetch('/lo/plain-none', { method: 'HEAD' })).status).toBe(404);
    await cluster.fetch('/lo/dlo', { method: 'PUT', body: '', headers: { 'x-object-manifest': 'lo/plain' } });
    r = await cluster.fetch('/lo/dlo', { method: 'COPY', headers: { destination: '/lo/dlo-copy' } });
    expect(r.status).toBe(201);
    h = await cluster.fetch('/lo/dlo-copy', { method: 'HEAD' });
    expect(h.headers.get('x-object-manifest')).toBeNull();
    // the DLO's segments: every object named plain* (plain, plain-part)
    expect(await (await get('/lo/dlo-copy')).text()).toBe('abcdefghijghij');
  });

  it('answers a Range past the end with 416, and ignores an invalid one', async () => {
    let r = await get('/lo/big', { range: 'bytes=5000-' });
    expect(r.status).toBe(416);
    expect(r.headers.get('content-range')).toBe('bytes */1000');
    r = await get('/lo/big', { range: 'bytes=1000-1000' });
    expect(r.status).toBe(416);
    r = await get('/lo/big', { range: 'bytes=5-2' });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe(whole);
    r = await cluster.fetch('/lo/big', { method: 'HEAD', headers: { range: 'bytes=10-19' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-length')).toBe('10');
  });
});
