import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { download, upload } from '../src/http-body';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`),
    ),
  );
}

describe('bench transfer bodies', () => {
  const chunk = Buffer.alloc(1 << 20, 7);

  it('streams the whole body and reads the whole answer', async () => {
    let received = 0;
    const server = createServer((req, res) => {
      if (req.method === 'PUT') {
        req.on('data', (c: Buffer) => (received += c.length));
        req.on('end', () => res.writeHead(201).end());
      } else res.end(Buffer.alloc(3 * 2 ** 20 + 5));
    });
    const url = await listen(server);
    try {
      expect(await upload(url, 'PUT', {}, 2.5 * 2 ** 20, chunk)).toBe(201);
      expect(received).toBe(2.5 * 2 ** 20);
      expect(await download(url, {})).toEqual({ status: 200, bytes: 3 * 2 ** 20 + 5 });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('reads an answer without a Content-Length (chunked) too', async () => {
    const server = createServer((_req, res) => {
      res.write(Buffer.alloc(70_000));
      res.end(Buffer.alloc(5));
    });
    const url = await listen(server);
    try {
      expect(await download(url, {})).toEqual({ status: 200, bytes: 70_005 });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('stops sending and closes the connection when the server answers before the body is read', async () => {
    const server = createServer((_req, res) => res.writeHead(503).end('no')); // never reads the body
    const url = await listen(server);
    let connections = 0;
    server.on('connection', () => connections++);
    try {
      // far more than the socket buffers hold: without the fix the writer waits for 'drain' forever
      expect(await upload(url, 'PUT', {}, 256 * 2 ** 20, chunk)).toBe(503);
      // the connection is gone: close() completes without closeAllConnections()
      await new Promise((r, j) => {
        const t = setTimeout(() => j(new Error('a connection is still open')), 2000);
        server.close(() => (clearTimeout(t), r(undefined)));
      });
      expect(connections).toBe(1);
    } finally {
      server.closeAllConnections();
    }
  });
});
