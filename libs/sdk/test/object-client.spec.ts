import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  fixedObjectAuth,
  isNotFound,
  ObjectClient,
  objectPath,
  RequestRefused,
  ServiceSession,
  ServiceUnreachable,
  UnexpectedStatus,
} from '../src';
import { FakeSwift, swiftText as text } from '../../testing/src/fake-swift'; // by path: @kumo/testing depends on @kumo/auth, which depends on this package

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('ObjectClient', () => {
  const swift = new FakeSwift();
  let session: ServiceSession;
  let objects: ObjectClient;
  beforeAll(() => swift.start());
  afterAll(() => swift.stop());
  beforeEach(() => {
    swift.reset();
    session = new ServiceSession({
      authUrl: `${swift.url}/v3`,
      username: 'kumo',
      password: 'pw',
      projectName: 'service',
    });
    objects = new ObjectClient(session);
  });
  afterEach(() => objects.close());

  it('logs in once and works on the catalog’s public object-store endpoint: containers, objects, listings', async () => {
    await objects.createContainer('images');
    await objects.createContainer('images');
    expect(await objects.storageUrl()).toBe(swift.storageUrl);
    await objects.putObject('images', 'a b/ü', 'hello');
    await objects.putObject('images', 'a b/z', Buffer.from('world!'));
    expect(swift.calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'PUT /v1/AUTH_svc/images',
      'PUT /v1/AUTH_svc/images',
      'PUT /v1/AUTH_svc/images/a%20b/%C3%BC',
      'PUT /v1/AUTH_svc/images/a%20b/z',
    ]);
    expect(swift.logins).toBe(1);
    expect(swift.calls.every((c) => c.headers['x-auth-token'] === 'svc-1')).toBe(true);
    expect((await objects.listObjects('images', { prefix: 'a b/' })).map((e) => [e.name, e.bytes])).toEqual([
      ['a b/z', 6],
      ['a b/ü', 5],
    ]);
    expect(await objects.listObjects('images', { prefix: 'nothing' })).toEqual([]);
    const names: string[] = [];
    for await (const e of objects.objects('images', { pageSize: 1 })) names.push(e.name);
    expect(names).toEqual(['a b/z', 'a b/ü']);
    expect((await objects.listContainers()).map((c) => c.name)).toEqual(['images']);
    const got = await objects.getObject('images', 'a b/ü');
    expect([got.status, got.contentLength, got.etag, (await bytesOf(got.body)).toString()]).toEqual([
      200,
      5,
      md5(Buffer.from('hello')),
      'hello',
    ]);
    expect(await objects.deleteObject('images', 'a b/ü')).toBe(true);
    expect(await objects.deleteObject('images', 'a b/ü', { missingOk: true })).toBe(false);
  });

  it('answers a status the call does not take as a typed error naming the request and Swift’s text', async () => {
    const missing = await objects.getObject('none', 'x').catch((e: unknown) => e);
    expect(isNotFound(missing)).toBe(true);
    expect((missing as Error).message).toBe('object storage, GET /none/x: HTTP 404 (Not Found)');
    await objects.createContainer('full');
    await objects.putObject('full', 'o', 'x');
    const conflict = await objects.deleteContainer('full').catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(RequestRefused);
    expect(conflict).toMatchObject({
      status: 409,
      detail: 'There was a conflict when trying to complete your request.',
    });
    expect(await objects.listObjects('absent', { missingOk: true })).toEqual([]);
    expect(await objects.deleteContainer('absent', { missingOk: true })).toBe(false);
    swift.intercept = (_req, res) => (text(res, 503, '<html><h1>Service Unavailable</h1></html>'), true);
    const down = await objects.createContainer('x').catch((e: unknown) => e);
    expect(down).toBeInstanceOf(UnexpectedStatus);
    expect(down).not.toBeInstanceOf(RequestRefused);
    expect(down).toMatchObject({ status: 503, detail: 'Service Unavailable' });
    const gone = new ObjectClient(fixedObjectAuth('http://127.0.0.1:1/v1/AUTH_x', 't'));
    await expect(gone.getObject('c', 'o')).rejects.toBeInstanceOf(ServiceUnreachable);
    await expect(gone.account()).rejects.toBeInstanceOf(ServiceUnreachable);
  });

  it('logs in again after a 401 and sends the request once more (GETs of bodies included)', async () => {
    await objects.createContainer('c');
    await objects.putObject('c', 'o', 'data');
    swift.rejected.add('svc-1');
    expect((await bytesOf((await objects.getObject('c', 'o')).body)).toString()).toBe('data');
    swift.rejected.add('svc-2');
    await objects.putObject('c', 'p', 'more');
    expect(swift.logins).toBe(3);
    expect(swift.calls.slice(-4).map((c) => `${c.method} ${c.headers['x-auth-token']}`)).toEqual([
      'GET svc-1',
      'GET svc-2',
      'PUT svc-2',
      'PUT svc-3',
    ]);
  });

  it('streams an upload with its Content-Length, or chunked without one', async () => {
    await objects.createContainer('c');
    const data = randomBytes(3 * 1024 * 1024 + 5);
    for (const contentLength of [data.length, undefined]) {
      const up = await objects.startPut('c', `big-${contentLength}`, { contentLength });
      for (let off = 0; off < data.length; off += 65536)
        if (!up.body.write(data.subarray(off, off + 65536))) await up.drained();
      up.body.end();
      expect((await up.done).etag).toBe(md5(data));
    }
    const puts = swift.calls.filter((c) => c.method === 'PUT' && c.url.includes('big-'));
    expect(puts.map((c) => [c.headers['content-length'], c.headers['transfer-encoding'], c.bytes])).toEqual([
      [String(data.length), undefined, data.length],
      [undefined, 'chunked', data.length],
    ]);
    expect((await bytesOf((await objects.getObject('c', `big-${data.length}`)).body)).equals(data)).toBe(
      true,
    );
  });

  it('fails an upload the service refuses before its body is sent: done and drained reject', async () => {
    swift.intercept = (req, res) => {
      if (req.method !== 'PUT') return false;
      text(res, 413, 'Your request is too large.');
      req.socket.end();
      return true;
    };
    const up = await objects.startPut('c', 'o', { contentLength: 64 * 1024 * 1024 });
    const chunk = Buffer.alloc(1024 * 1024);
    const written = (async () => {
      for (let i = 0; i < 64; i++) if (!up.body.write(chunk)) await up.drained();
    })();
    await expect(up.done).rejects.toMatchObject({ status: 413 });
    await expect(written).rejects.toThrow();
  });

  it('reads bodies off kept-alive connections, ranges too, and asks again on a new one when the server closed the idle one', async () => {
    await objects.createContainer('c');
    const data = randomBytes(2 * 1024 * 1024);
    await objects.putObject('c', 'o', data);
    swift.calls = [];
    expect((await bytesOf((await objects.getObject('c', 'o')).body)).equals(data)).toBe(true);
    const part = await objects.getObject('c', 'o', { range: 'bytes=10-19' });
    expect([
      part.status,
      part.contentLength,
      (await bytesOf(part.body)).equals(data.subarray(10, 20)),
    ]).toEqual([206, 10, true]);
    expect(swift.calls.map((c) => c.headers.range)).toEqual([undefined, 'bytes=10-19']);
    expect(swift.calls[0].connection).toBe(swift.calls[1].connection);
    swift.server.closeIdleConnections();
    await new Promise((r) => setTimeout(r, 50));
    expect((await bytesOf((await objects.getObject('c', 'o')).body)).equals(data)).toBe(true);
    expect(swift.calls[2].connection).not.toBe(swift.calls[1].connection);
  });

  it('reads a chunked answer through node:http, and fails a body that ends short', async () => {
    swift.intercept = (req, res) => {
      if (req.url?.endsWith('/chunked'))
        return (res.writeHead(200, { etag: '"e"' }).end('chunked body'), true);
      if (req.url?.endsWith('/short')) {
        res.writeHead(200, { 'content-length': 1000 });
        res.write(Buffer.alloc(100));
        setTimeout(() => req.socket.destroy(), 20);
        return true;
      }
      return false;
    };
    const chunked = await objects.getObject('c', 'chunked');
    expect([chunked.etag, (await bytesOf(chunked.body)).toString()]).toEqual(['e', 'chunked body']);
    const short = await objects.getObject('c', 'short');
    await expect(bytesOf(short.body)).rejects.toThrow(/closed 900 bytes before the end/);
  });

  it('writes, reads and deletes static large object manifests', async () => {
    await objects.createContainer('c');
    await objects.putObject('c', 'img/000001', 'ab');
    await objects.putManifest('c', 'img', [
      { path: '/c/img/000001', etag: md5(Buffer.from('ab')), size_bytes: 2 },
    ]);
    const put = swift.calls.find((c) => c.url.endsWith('/img?multipart-manifest=put'));
    expect(put?.method).toBe('PUT');
    expect(await objects.manifest('c', 'img')).toEqual([
      { name: '/c/img/000001', hash: md5(Buffer.from('ab')), bytes: 2 },
    ]);
    expect(await objects.deleteManifest('c', 'img')).toBe(true);
    expect(swift.calls.at(-1)?.url).toBe('/v1/AUTH_svc/c/img?multipart-manifest=delete');
    expect(await objects.deleteManifest('c', 'img', { missingOk: true })).toBe(false);
  });

  it('encodes each part of a path and adds the headers it is given to every request', async () => {
    expect(objectPath('a/b', 'x/y z/%')).toBe('/a%2Fb/x/y%20z/%25');
    const withId = new ObjectClient(fixedObjectAuth(`${swift.storageUrl}/`, 'fixed'), {
      headers: () => ({ 'x-openstack-request-id': 'req-1' }),
    });
    await withId.createContainer('c');
    await withId.putObject('c', 'o', 'x');
    await bytesOf((await withId.getObject('c', 'o')).body);
    withId.close();
    expect(swift.calls.map((c) => [c.headers['x-auth-token'], c.headers['x-openstack-request-id']])).toEqual([
      ['fixed', 'req-1'],
      ['fixed', 'req-1'],
      ['fixed', 'req-1'],
    ]);
  });
});
