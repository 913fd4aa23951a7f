import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { BlockHasher, blocksDigest } from '../../src/common/body-digest';
import { hashPath } from '../../src/storage/hash';
import { TestCluster } from '../support/cluster';

/**
 * The proxy-to-node PUT. Small bodies (up to 64 KiB) are read whole and sent as plain requests, again
 * to a handoff when a primary fails. Larger ones: the proxy sends the body chunked and follows it with its MD5 and the CRC-32 of its block CRCs as
 * trailers (`X-Backend-Digest: trailers`), the MD5 being the one the first replica computed and announced
 * (`X-Backend-Digest: announce`, an interim 102); a node stores the body under that MD5 only when the
 * CRC-32 of its own block CRCs of what it received matches, and keeps nothing otherwise.
 */
jest.setTimeout(30_000);

describe('object PUT digests sent as trailers', () => {
  const cluster = new TestCluster();
  beforeAll(() => cluster.start(4));
  afterAll(() => cluster.stop());

  const body = Buffer.alloc(3 * 1024 * 1024 + 17, 'k');
  const md5 = createHash('md5').update(body).digest('hex');
  const blocksCrc32 = (b: Buffer) => {
    const h = new BlockHasher();
    h.update(b);
    return blocksDigest(h.finish());
  };
  // the same length, one bit differs in the third block
  const damaged = Buffer.from(body);
  damaged[2_500_000] ^= 1;

  function nodePut(object: string, trailers: Record<string, string> | null, digest = 'trailers'): Promise<{ status: number; etag?: string; announced?: string }> {
    const port = cluster.nodes[0].ports.object;
    return new Promise((resolve, reject) => {
      let announced: string | undefined;
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'PUT',
          path: `/${cluster.nodes[0].device}/1/AUTH_p1/c/${object}`,
          headers: { 'x-timestamp': '1700000000.00000', 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked', 'x-backend-digest': digest, 'x-backend-content-length': String(body.length) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: res.headers.etag as string | undefined, ...(announced ? { announced } : {}) }));
        },
      );
      req.on('information', (info) => {
        if (info.statusCode === 102) announced = String(info.headers['x-backend-etag']);
      });
      req.on('error', reject);
      req.write(body.subarray(0, 1000));
      req.write(body.subarray(1000));
      if (trailers) req.addTrailers(trailers);
      req.end();
    });
  }

  function stored(object: string): boolean {
    const dir = join(cluster.nodes[0].devicesRoot, cluster.nodes[0].device, 'objects', '1', hashPath(cluster.hashPath, 'AUTH_p1', 'c', object).slice(-3));
    return existsSync(dir) && readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.data'));
  }

  it('stores a body whose block CRC-32s match the trailer, under the trailer MD5', async () => {
    await expect(nodePut('good', { 'x-backend-etag': md5, 'x-backend-blocks-crc32': blocksCrc32(body) })).resolves.toEqual({ status: 201, etag: md5 });
    expect(stored('good')).toBe(true);
  });

  it('hashes the body itself when told to announce its MD5, and announces it (102) before it answers', async () => {
    await expect(nodePut('announcing', { 'x-backend-blocks-crc32': blocksCrc32(body) }, 'announce')).resolves.toEqual({ status: 201, etag: md5, announced: md5 });
    // a damaged copy announces nothing and keeps nothing
    await expect(nodePut('announcing-damaged', { 'x-backend-blocks-crc32': blocksCrc32(damaged) }, 'announce')).resolves.toEqual({ status: 503 });
    expect(stored('announcing-damaged')).toBe(false);
  });

  it('hashes its own copy when the trailers bring no MD5 (the announcing replica failed)', async () => {
    await expect(nodePut('unannounced', { 'x-backend-blocks-crc32': blocksCrc32(body) })).resolves.toEqual({ status: 201, etag: md5 });
    expect(stored('unannounced')).toBe(true);
  });

  it('keeps nothing when the body differs from the one the trailer describes (503) or the trailers are missing (499)', async () => {
    await expect(nodePut('damaged', { 'x-backend-etag': md5, 'x-backend-blocks-crc32': blocksCrc32(damaged) })).resolves.toMatchObject({ status: 503 });
    await expect(nodePut('untrailed', null)).resolves.toMatchObject({ status: 499 });
    expect(stored('damaged')).toBe(false);
    expect(stored('untrailed')).toBe(false);
  });

  it('writes small and streamed bodies to a handoff when a primary is down', async () => {
    expect((await cluster.fetch('/c2', { method: 'PUT' })).status).toBe(201);
    const sizes = { small: 1000, edge: 64 * 1024, streamed: 64 * 1024 + 1, big: 2 * 1024 * 1024 };
    const down = cluster.nodeOfDevice(cluster.rings.object.getNodes('AUTH_p1', 'c2', 'small').nodes[0]).index;
    await cluster.stopNode(down);
    try {
      for (const [kind, size] of Object.entries(sizes)) {
        // a name the stopped node is a primary of
        let k = 0;
        while (!cluster.rings.object.getNodes('AUTH_p1', 'c2', `${kind}-${k}`).nodes.some((d) => cluster.nodeOfDevice(d).index === down)) k++;
        const name = `${kind}-${k}`;
        const data = Buffer.alloc(size, name);
        const put = await cluster.fetch(`/c2/${name}`, { method: 'PUT', body: data });
        expect([name, put.status]).toEqual([name, 201]);
        expect(put.headers.get('etag')).toBe(createHash('md5').update(data).digest('hex'));
        const copies = cluster.nodes.filter((n) => {
          const part = cluster.rings.object.getPartition('AUTH_p1', 'c2', name);
          const hash = hashPath(cluster.hashPath, 'AUTH_p1', 'c2', name);
          const dir = join(n.devicesRoot, n.device, 'objects', String(part), hash.slice(-3), hash);
          return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.data'));
        });
        expect([name, copies.length]).toEqual([name, 3]);
        const get = await cluster.fetch(`/c2/${name}`);
        expect(Buffer.from(await get.arrayBuffer()).equals(data)).toBe(true);
      }
    } finally {
      await cluster.startNode(down);
    }
  });

  it('applies a batch of object row updates in one go and refuses a malformed one whole', async () => {
    expect((await cluster.fetch('/c3', { method: 'PUT' })).status).toBe(201);
    const dev = cluster.rings.container.getNodes('AUTH_p1', 'c3').nodes[0];
    const part = cluster.rings.container.getPartition('AUTH_p1', 'c3');
    const url = `http://127.0.0.1:${dev.port}/${dev.device}/${part}/AUTH_p1/c3`;
    const post = (body: unknown) => fetch(url, { method: 'POST', headers: { 'x-backend-object-updates': 'json', 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const rows = [
      { op: 'PUT', object: 'a', timestamp: '1700000001.00000', size: 3, etag: 'e1', contentType: 'text/plain' },
      { op: 'PUT', object: 'b/c', timestamp: '1700000001.00000', size: 5, etag: 'e2' },
      { op: 'DELETE', object: 'a', timestamp: '1700000002.00000', size: 0 },
    ];
    expect((await post(rows)).status).toBe(204);
    for (const bad of [{ not: 'an array' }, [...rows, { op: 'PATCH', object: 'x', timestamp: '1', size: 0 }], [{ op: 'PUT', object: 'y', timestamp: 'soon', size: 1 }]]) {
      expect((await post(bad)).status).toBe(400);
    }
    const listing = await fetch(`${url}?format=json`);
    expect(((await listing.json()) as Array<{ name: string; size: number }>).map((r) => [r.name, r.size])).toEqual([['b/c', 5]]);
  });

  it('stores a body the announcing replica refuses right after its 100 Continue (409: newer data): the others hash their copies, and the 409 counts at once', async () => {
    expect((await cluster.fetch('/c4', { method: 'PUT' })).status).toBe(201);
    const name = 'newer-on-first';
    const part = cluster.rings.object.getPartition('AUTH_p1', 'c4', name);
    const first = cluster.rings.object.getNodes('AUTH_p1', 'c4', name).nodes[0];
    // the first replica holds a newer version: it refuses the PUT (409) before the body
    const future = await fetch(`http://127.0.0.1:${first.port}/${first.device}/${part}/AUTH_p1/c4/${name}`, {
      method: 'PUT',
      headers: { 'x-timestamp': '9999999999.00000', 'content-type': 'text/plain', 'content-length': '3' },
      body: 'new',
    });
    expect(future.status).toBe(201);
    const started = Date.now();
    const put = await cluster.fetch(`/c4/${name}`, { method: 'PUT', body });
    expect(put.status).toBe(201);
    // the test cluster waits 30 s for a replica that has not answered (postQuorumMs)
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(put.headers.get('etag')).toBe(md5);
  });

  it('stores what a client uploads through the proxy on every replica with the MD5 as ETag', async () => {
    expect((await cluster.fetch('/c1', { method: 'PUT' })).status).toBe(201);
    const put = await cluster.fetch('/c1/big', { method: 'PUT', body });
    expect(put.status).toBe(201);
    expect(put.headers.get('etag')).toBe(md5);
    const get = await cluster.fetch('/c1/big');
    expect(get.headers.get('etag')).toBe(md5);
    expect(createHash('md5').update(Buffer.from(await get.arrayBuffer())).digest('hex')).toBe(md5);
    const wrong = await cluster.fetch('/c1/wrong', { method: 'PUT', body, headers: { etag: 'd41d8cd98f00b204e9800998ecf8427e' } });
    expect(wrong.status).toBe(422);
    expect((await cluster.fetch('/c1/wrong')).status).toBe(404);
  });
});
