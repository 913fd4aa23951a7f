import { request } from 'node:http';
import { TestCluster } from '../support/cluster';

/** An account's figures (and Swift's per-policy headers) stay right whatever container names are asked for. */
jest.setTimeout(30_000);

describe('object service account figures and container names', () => {
  const cluster = new TestCluster();
  beforeAll(() => cluster.start(3));
  afterAll(() => cluster.stop());

  /** A raw request (paths exactly as given: fetch would normalize `..` and `.`). */
  function raw(method: string, path: string, headers: Record<string, string | number> = {}): Promise<{ status: number; body: string }> {
    const url = new URL(cluster.proxyUrl);
    return new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method, path: `${url.pathname}${path}`, headers: { 'x-auth-token': 'admin-token', 'content-length': 0, ...headers } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** The account's container rows, once the row of `container` shows `count` objects (updates reach the account within ~1 s). */
  async function accountRows(container: string, count: number): Promise<Array<{ name: string; count: number; bytes: number }>> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const rows = (await (await cluster.fetch('?format=json')).json()) as Array<{ name: string; count: number; bytes: number }>;
      if (rows.find((r) => r.name === container)?.count === count || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('carries the storage-policy headers on account and container HEAD/GET, and lists the policy in /info', async () => {
    expect((await cluster.fetch('/pol', { method: 'PUT' })).status).toBe(201);
    expect((await cluster.fetch('/pol/o', { method: 'PUT', body: '12345' })).status).toBe(201);
    await accountRows('pol', 1);
    for (const method of ['HEAD', 'GET']) {
      const a = await cluster.fetch('', { method });
      expect(a.headers.get('x-account-storage-policy-policy-0-container-count')).toBe(a.headers.get('x-account-container-count'));
      expect(a.headers.get('x-account-storage-policy-policy-0-object-count')).toBe('1');
      expect(a.headers.get('x-account-storage-policy-policy-0-bytes-used')).toBe('5');
      const c = await cluster.fetch('/pol', { method });
      expect(c.headers.get('x-storage-policy')).toBe('Policy-0');
    }
    const info = (await (await fetch(cluster.proxyUrl.replace(/\/v1\/.*$/, '/info'))).json()) as { swift: { policies: unknown } };
    expect(info.swift.policies).toEqual([{ name: 'Policy-0', aliases: 'Policy-0', default: true }]);
  });

  it.each([
    ['an encoded slash', '/fig%2Fb', 'slash'],
    ['an encoded slash at the end', '/fig%2F', 'slash'],
    ['..', '/..', '..'],
    ['.', '/.', '..'],
  ])('refuses a container name with %s (400), leaving the account figures alone', async (_what, path, text) => {
    if ((await cluster.fetch('/fig', { method: 'HEAD' })).status === 404) {
      await cluster.fetch('/fig', { method: 'PUT' });
      await cluster.fetch('/fig/b', { method: 'PUT', body: 'abc' });
    }
    const before = await accountRows('fig', 1);
    for (const method of ['PUT', 'POST', 'GET', 'DELETE']) {
      const r = await raw(method, path);
      expect([method, r.status]).toEqual([method, 400]);
      expect(r.body).toContain(text);
    }
    expect((await raw('HEAD', path)).status).toBe(400);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await accountRows('fig', 1)).toEqual(before);
    expect(before.find((r) => r.name === 'fig')).toMatchObject({ count: 1, bytes: 3 });
  });

  it('keeps the account figures of a container PUT again (202)', async () => {
    await cluster.fetch('/again', { method: 'PUT' });
    await cluster.fetch('/again/o', { method: 'PUT', body: 'abcd' });
    expect((await accountRows('again', 1)).find((r) => r.name === 'again')).toMatchObject({ count: 1, bytes: 4 });
    expect((await cluster.fetch('/again', { method: 'PUT' })).status).toBe(202);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await accountRows('again', 1)).find((r) => r.name === 'again')).toMatchObject({ count: 1, bytes: 4 });
    const head = await cluster.fetch('', { method: 'HEAD' });
    expect(head.headers.get('x-account-object-count')).not.toBe('0');
  });
});
