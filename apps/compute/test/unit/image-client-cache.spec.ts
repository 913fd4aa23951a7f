import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthContext } from '@kumo/auth';
import { GlanceImageService } from '../../src/clients/images';

/** GlanceImageService against a tiny image API on loopback: what it asks, and what it remembers. */
describe('GlanceImageService image cache', () => {
  let server: Server;
  let url: string;
  const hits: string[] = [];
  const images: Record<string, { status: string }> = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(`${String(req.headers['x-auth-token'])} ${req.url}`);
      const id = (req.url ?? '').split('/').pop()!;
      const img = images[id];
      if (!img) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id, name: id, status: img.status, disk_format: 'qcow2', container_format: 'bare', size: 1, min_disk: 0, min_ram: 0 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => (hits.length = 0));

  const as = (token: string) => ({ token }) as AuthContext;

  it('asks once per token within the window for an active image, again after it', async () => {
    let now = 1_000_000;
    const g = new GlanceImageService(url, { cacheMs: 5000, now: () => now });
    images.a = { status: 'active' };
    for (let i = 0; i < 3; i++) await expect(g.show(as('t1'), 'a')).resolves.toMatchObject({ id: 'a', status: 'active' });
    await expect(g.show(as('t2'), 'a')).resolves.toMatchObject({ id: 'a' });
    expect(hits).toEqual(['t1 /v2/images/a', 't2 /v2/images/a']);
    now += 5001;
    await g.show(as('t1'), 'a');
    expect(hits).toHaveLength(3);
  });

  it('remembers neither a missing image nor one that is not active', async () => {
    const g = new GlanceImageService(url);
    await expect(g.show(as('t1'), 'nope')).resolves.toBeNull();
    images.nope = { status: 'active' };
    await expect(g.show(as('t1'), 'nope')).resolves.toMatchObject({ status: 'active' });
    images.q = { status: 'queued' };
    await expect(g.show(as('t1'), 'q')).resolves.toMatchObject({ status: 'queued' });
    images.q.status = 'active';
    await expect(g.show(as('t1'), 'q')).resolves.toMatchObject({ status: 'active' });
    expect(hits).toEqual(['t1 /v2/images/nope', 't1 /v2/images/nope', 't1 /v2/images/q', 't1 /v2/images/q']);
  });

  it('cacheMs 0 asks every time', async () => {
    const g = new GlanceImageService(url, { cacheMs: 0 });
    images.z = { status: 'active' };
    await g.show(as('t1'), 'z');
    await g.show(as('t1'), 'z');
    expect(hits).toHaveLength(2);
  });
});
