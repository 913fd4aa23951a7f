import { createServer, Server } from 'node:net';
import { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { NotRawReadable, parseHead, RawGet } from '../src/raw-get';

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('parseHead', () => {
  it('reads the status and the headers, names lowercased, repeated ones joined', () => {
    expect(parseHead('HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nX-A: 1\r\nx-a:  2 ')).toEqual({
      status: 206,
      headers: { 'content-length': '10', 'x-a': '1, 2' },
    });
    expect(parseHead('HTTP/1.0 200').status).toBe(200);
  });
  it('refuses what is not an HTTP/1.x head', () => {
    expect(() => parseHead('HTTP/2 200\r\n')).toThrow(/not an HTTP\/1.x status line/);
    expect(() => parseHead('HTTP/1.1 200 OK\r\nno colon')).toThrow(/malformed header line/);
  });
});

/** A raw TCP server answering each request (one per connection read) with what `answer` writes. */
describe('RawGet', () => {
  let server: Server;
  let url: URL;
  let answer: (socket: import('node:net').Socket, n: number) => void = () => undefined;
  let connections = 0;
  let requests = 0;
  beforeAll(async () => {
    server = createServer((socket) => {
      connections++;
      socket.on('data', (d) => {
        for (let i = d.indexOf('\r\n\r\n'); i >= 0; i = d.indexOf('\r\n\r\n', i + 4))
          answer(socket, ++requests);
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/AUTH_x/c/o?x=1`);
  });
  afterAll(() => new Promise((r) => server.close(r)));
  beforeEach(() => {
    connections = 0;
    requests = 0;
  });

  it('reuses a connection after a whole body, not after one that said Connection: close', async () => {
    const get = new RawGet({ timeoutMs: 5000 });
    answer = (s, n) =>
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: 5\r\n${n === 2 ? 'Connection: close\r\n' : ''}\r\nhello`);
    for (let i = 0; i < 3; i++)
      expect((await bytesOf((await get.get(url, {})).body)).toString()).toBe('hello');
    expect([requests, connections]).toEqual([3, 2]);
    get.close();
  });

  it('takes a body that came with the head, in pieces, or not at all (Content-Length: 0)', async () => {
    const get = new RawGet({ timeoutMs: 5000 });
    answer = (s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nab');
      setTimeout(() => s.write('cd'), 10);
      setTimeout(() => s.write('ef'), 20);
    };
    expect((await bytesOf((await get.get(url, {})).body)).toString()).toBe('abcdef');
    answer = (s) => s.write('HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n');
    const empty = await get.get(url, {});
    expect([empty.status, (await bytesOf(empty.body)).length]).toEqual([204, 0]);
    get.close();
  });

  it('says NotRawReadable for a body without a length, and refuses a head over 64 KiB', async () => {
    const get = new RawGet({ timeoutMs: 5000 });
    answer = (s) => s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    await expect(get.get(url, {})).rejects.toBeInstanceOf(NotRawReadable);
    answer = (s) => s.write(`HTTP/1.1 200 OK\r\nX-Big: ${'x'.repeat(70 * 1024)}\r\n\r\n`);
    await expect(get.get(url, {})).rejects.toThrow(/over 64 KiB/);
    get.close();
  });

  it('times out a silent server', async () => {
    const get = new RawGet({ timeoutMs: 100 });
    answer = () => undefined;
    await expect(get.get(url, {})).rejects.toThrow(/no data for 100 ms/);
    get.close();
  });
});
