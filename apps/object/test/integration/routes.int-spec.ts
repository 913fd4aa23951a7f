import { request } from 'node:http';
import { OBJECT_ROUTES } from '../../src/proxy/routes';
import { TestCluster } from '../support/cluster';

/** (HEAD is served on every route, so each 405 here has a body.) The route table is the truth: every method it lists is served, every other answers Swift's 405 with Allow. */
jest.setTimeout(30_000);

const ALL = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'COPY', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND'];

describe('object proxy routes', () => {
  const cluster = new TestCluster();
  let origin = '';
  beforeAll(async () => {
    await cluster.start(3);
    origin = new URL(cluster.proxyUrl).origin;
    await cluster.fetch('/rt', { method: 'PUT' });
    await cluster.fetch('/rt/o', { method: 'PUT', body: 'x' });
  });
  afterAll(() => cluster.stop());

  function send(method: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${origin}${path}`, { method, headers: { 'x-auth-token': 'admin-token', 'content-length': 0 } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end();
    });
  }
  const concrete = (p: string) => p.replace('{account}', 'AUTH_p1').replace('{container}', 'rt').replace('{object}', 'o');

  it.each(OBJECT_ROUTES.flatMap((r) => ALL.filter((m) => !r.methods.includes(m)).map((m) => [m, r.path, r.methods.join(', ')])))(
    'answers %s %s with 405 and Allow',
    async (method, path, allow) => {
      const r = await send(method, concrete(path));
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe(allow);
      expect(r.headers['x-openstack-request-id']).toMatch(/^tx/);
      expect(r.body).toBe('<html><h1>Method Not Allowed</h1><p>The method is not allowed for this resource.</p></html>');
    },
  );

  it.each(OBJECT_ROUTES.flatMap((r) => r.methods.map((m) => [m, r.path])))('serves %s %s (not 405)', async (method, path) => {
    const r = await send(method, concrete(path));
    expect(r.status).not.toBe(405);
    expect(r.status).toBeLessThan(500);
  });
});
