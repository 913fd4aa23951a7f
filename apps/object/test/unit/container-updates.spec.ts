import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ContainerUpdate, ContainerUpdateSender, OBJECT_UPDATES_HEADER } from '../../src/storage/container-updates';

describe('ContainerUpdateSender', () => {
  let server: Server;
  let requests: Array<{ method: string; url: string; batch: boolean; body: string }>;
  let status = 201;
  beforeEach(async () => {
    requests = [];
    status = 201;
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', batch: req.headers[OBJECT_UPDATES_HEADER] === 'json', body: Buffer.concat(chunks).toString() });
        setTimeout(() => {
          res.statusCode = req.headers[OBJECT_UPDATES_HEADER] === 'json' && status === 201 ? 204 : status;
          res.end();
        }, 20);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterEach(() => new Promise<void>((r) => server.close(() => r())));

  const update = (i: number, container = 'c'): ContainerUpdate => ({
    op: i % 4 === 3 ? 'DELETE' : 'PUT',
    account: 'AUTH_a',
    container,
    object: `o/${i}`,
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    device: 'd1',
    partition: '5',
    timestamp: `17000000${String(i).padStart(2, '0')}.00000`,
    size: i,
    etag: 'e',
  });

  it('sends the first update alone and those that pile up behind it together', async () => {
    const sender = new ContainerUpdateSender();
    const oks = await Promise.all(Array.from({ length: 20 }, (_, i) => sender.send(update(i))));
    expect(oks).toEqual(Array(20).fill(true));
    expect(requests[0]).toMatchObject({ method: 'PUT', url: '/d1/5/AUTH_a/c/o/0', batch: false });
    expect(requests.length).toBeLessThan(5);
    const batched = requests.filter((r) => r.batch).flatMap((r) => JSON.parse(r.body) as Array<{ object: string; op: string }>);
    expect(batched.map((b) => b.object).sort()).toEqual(Array.from({ length: 19 }, (_, i) => `o/${i + 1}`).sort());
    expect(batched.find((b) => b.object === 'o/3')?.op).toBe('DELETE');
    expect(requests.filter((r) => r.batch).every((r) => r.method === 'POST' && r.url === '/d1/5/AUTH_a/c')).toBe(true);
  });

  it('keeps containers apart and tells every caller of a failed batch', async () => {
    const sender = new ContainerUpdateSender();
    status = 503;
    const oks = await Promise.all([...Array.from({ length: 6 }, (_, i) => sender.send(update(i, 'c1'))), ...Array.from({ length: 6 }, (_, i) => sender.send(update(i, 'c2')))]);
    expect(oks).toEqual(Array(12).fill(false));
    expect(new Set(requests.map((r) => r.url.split('/')[4]))).toEqual(new Set(['c1', 'c2']));
  });
});
