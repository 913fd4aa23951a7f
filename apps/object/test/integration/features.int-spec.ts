import { createHmac } from 'node:crypto';
import { TestCluster } from '../support/cluster';

/** Versioning, expiring objects and temp URLs through the proxy of an in-process cluster. */
jest.setTimeout(30_000);

describe('object features', () => {
  const cluster = new TestCluster();
  beforeAll(() => cluster.start(3));
  afterAll(() => cluster.stop());

  const put = async (path: string, body?: string, headers: Record<string, string> = {}) => {
    const r = await cluster.fetch(path, { method: 'PUT', body, headers });
    await r.arrayBuffer();
    return r.status;
  };
  const text = async (path: string) => {
    const r = await cluster.fetch(path);
    return r.status === 200 ? r.text() : r.status;
  };
  const names = async (path: string) => ((await (await cluster.fetch(`${path}?format=json`)).json()) as Array<{ name: string }>).map((x) => x.name);

  it('keeps history (X-History-Location): overwrites and deletes archive the previous version', async () => {
    await put('/hist-archive');
    expect(await put('/hist', undefined, { 'x-history-location': 'hist-archive' })).toBe(201);
    expect((await cluster.fetch('/hist', { method: 'HEAD' })).headers.get('x-history-location')).toBe('hist-archive');
    await put('/hist/doc', 'v1', { 'x-object-meta-rev': '1' });
    await put('/hist/doc', 'v2');
    expect(await text('/hist/doc')).toBe('v2');
    const archived = await names('/hist-archive');
    expect(archived).toHaveLength(1);
    expect(archived[0]).toMatch(/^003doc\/\d{10}\.\d{5}$/);
    const old = await cluster.fetch(`/hist-archive/${archived[0]}`);
    expect(await old.text()).toBe('v1');
    expect(old.headers.get('x-object-meta-rev')).toBe('1');
    expect((await cluster.fetch('/hist/doc', { method: 'DELETE' })).status).toBe(204);
    expect(await text('/hist/doc')).toBe(404);
    expect(await names('/hist-archive')).toHaveLength(2);
  });

  it('stacks versions (X-Versions-Location): a delete restores the previous one', async () => {
    await put('/stack-archive');
    await put('/stack', undefined, { 'x-versions-location': 'stack-archive' });
    for (const v of ['a', 'b', 'c']) expect(await put('/stack/obj', v)).toBe(201);
    expect(await names('/stack-archive')).toHaveLength(2);
    expect((await cluster.fetch('/stack/obj', { method: 'DELETE' })).status).toBe(204);
    expect(await text('/stack/obj')).toBe('b');
    expect((await cluster.fetch('/stack/obj', { method: 'DELETE' })).status).toBe(204);
    expect(await text('/stack/obj')).toBe('a');
    expect(await names('/stack-archive')).toHaveLength(0);
    expect((await cluster.fetch('/stack/obj', { method: 'DELETE' })).status).toBe(204);
    expect(await text('/stack/obj')).toBe(404);
  });

  it('refuses both versioning modes at once, and a versions location with a slash', async () => {
    const both = await cluster.fetch('/v', { method: 'PUT', headers: { 'x-versions-location': 'a', 'x-history-location': 'b' } });
    expect(both.status).toBe(400);
    expect(await both.text()).toContain('Only one of X-Versions-Location or X-History-Location');
    expect((await cluster.fetch('/v', { method: 'PUT', headers: { 'x-versions-location': 'a/b' } })).status).toBe(400);
  });

  it('switches modes and removes versioning', async () => {
    await put('/sw', undefined, { 'x-versions-location': 'x' });
    await cluster.fetch('/sw', { method: 'POST', headers: { 'x-history-location': 'y' } });
    let head = await cluster.fetch('/sw', { method: 'HEAD' });
    expect([head.headers.get('x-versions-location'), head.headers.get('x-history-location')]).toEqual([null, 'y']);
    await cluster.fetch('/sw', { method: 'POST', headers: { 'x-remove-history-location': 'x' } });
    head = await cluster.fetch('/sw', { method: 'HEAD' });
    expect(head.headers.get('x-history-location')).toBeNull();
  });

  it('expires objects: 404 after X-Delete-At, gone from the listing after the expirer pass', async () => {
    await put('/exp');
    const at = Math.floor(Date.now() / 1000) + 2;
    expect(await put('/exp/soon', 'bye', { 'x-delete-at': String(at) })).toBe(201);
    expect(await put('/exp/later', 'hi', { 'x-delete-after': '3600' })).toBe(201);
    expect((await cluster.fetch('/exp/soon', { method: 'HEAD' })).headers.get('x-delete-at')).toBe(String(at));
    expect(Number((await cluster.fetch('/exp/later', { method: 'HEAD' })).headers.get('x-delete-at'))).toBeGreaterThan(at + 3000);
    await new Promise((r) => setTimeout(r, (at + 1 - Date.now() / 1000) * 1000));
    expect(await text('/exp/soon')).toBe(404);
    for (const n of cluster.nodes) await n.node!.objects.expireOnce(n.device);
    expect(await names('/exp')).toEqual(['later']);
  });

  it('refuses bad expiry headers', async () => {
    await put('/exp2');
    const bad = async (h: Record<string, string>) => {
      const r = await cluster.fetch('/exp2/o', { method: 'PUT', body: 'x', headers: h });
      return [r.status, await r.text()];
    };
    expect(await bad({ 'x-delete-at': '1' })).toEqual([400, expect.stringContaining('X-Delete-At in past')]);
    expect(await bad({ 'x-delete-at': 'soon' })).toEqual([400, expect.stringContaining('Non-integer X-Delete-At')]);
    // as Swift's check_delete_headers: a sign is an integer's, the result never in the past, clamped to ten digits
    expect(await bad({ 'x-delete-after': '-5' })).toEqual([400, expect.stringContaining('X-Delete-After in past')]);
    expect(await bad({ 'x-delete-after': '0' })).toEqual([400, expect.stringContaining('X-Delete-After in past')]);
    expect(await bad({ 'x-delete-after': '1.5' })).toEqual([400, expect.stringContaining('Non-integer X-Delete-After')]);
    expect(await bad({ 'x-object-meta-': 'x' })).toEqual([400, expect.stringContaining('Metadata name cannot be empty')]);
    for (const h of [{ 'x-delete-after': '99999999999999999999999' }, { 'x-delete-at': '99999999999999999999999' }] as Array<Record<string, string>>) {
      expect((await cluster.fetch('/exp2/far', { method: 'PUT', body: 'x', headers: h })).status).toBe(201);
      expect((await cluster.fetch('/exp2/far', { method: 'HEAD' })).headers.get('x-delete-at')).toBe('9999999999');
    }
  });

  it('keeps an SLO manifest a manifest across a metadata POST', async () => {
    await put('/slo');
    await put('/slo/seg1', 'aaaa');
    const manifest = JSON.stringify([{ path: '/slo/seg1' }]);
    expect(await put('/slo/big?multipart-manifest=put', manifest)).toBe(201);
    await cluster.fetch('/slo/big', { method: 'POST', headers: { 'x-object-meta-k': 'v' } });
    expect(await text('/slo/big')).toBe('aaaa');
  });

  it('serves temp URLs signed with the account key, and nothing else', async () => {
    await cluster.fetch('', { method: 'POST', headers: { 'x-account-meta-temp-url-key': 'secret' } });
    await put('/tmp');
    await put('/tmp/file.txt', 'temporary', { 'x-object-meta-private': 'p' });
    const path = `/v1/AUTH_p1/tmp/file.txt`;
    const expires = Math.floor(Date.now() / 1000) + 60;
    const sig = createHmac('sha256', 'secret').update(`GET\n${expires}\n${path}`).digest('hex');
    const base = cluster.proxyUrl.replace(/\/v1\/.*$/, '');
    const r = await fetch(`${base}${path}?temp_url_sig=${sig}&temp_url_expires=${expires}`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('temporary');
    expect(r.headers.get('content-disposition')).toContain('attachment; filename="file.txt"');
    expect(r.headers.get('x-object-meta-private')).toBeNull();
    // a file name with CR/LF (was a 500: the header value was refused by Node)
    const named = await fetch(`${base}${path}?temp_url_sig=${sig}&temp_url_expires=${expires}&filename=a%0D%0AX-Injected:%201`);
    expect(named.status).toBe(200);
    expect(named.headers.get('x-injected')).toBeNull();
    expect(named.headers.get('content-disposition')).toBe(`attachment; filename="a%0D%0AX-Injected%3A 1"; filename*=UTF-8''a%0D%0AX-Injected%3A%201`);
    const wrongMethod = await fetch(`${base}${path}?temp_url_sig=${sig}&temp_url_expires=${expires}`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(401);
    expect(await wrongMethod.text()).toContain('Temp URL invalid');
    const other = await fetch(`${base}/v1/AUTH_p1/tmp/other?temp_url_sig=${sig}&temp_url_expires=${expires}`);
    expect(other.status).toBe(401);
    const putSig = createHmac('sha1', 'secret').update(`PUT\n${expires}\n/v1/AUTH_p1/tmp/upload`).digest('hex');
    const up = await fetch(`${base}/v1/AUTH_p1/tmp/upload?temp_url_sig=${putSig}&temp_url_expires=${expires}`, { method: 'PUT', body: 'uploaded' });
    expect(up.status).toBe(201);
    expect(await text('/tmp/upload')).toBe('uploaded');
  });

  it('advertises what it implements in /info', async () => {
    const info = (await (await fetch(cluster.proxyUrl.replace(/\/v1\/.*$/, '/info'))).json()) as Record<string, unknown>;
    expect(Object.keys(info).sort()).toEqual(['dlo', 'slo', 'swift', 'tempurl', 'versioned_writes']);
  });
});
