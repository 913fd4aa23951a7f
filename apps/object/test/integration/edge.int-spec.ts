import { connect } from 'node:net';
import { request } from 'node:http';
import { TestCluster } from '../support/cluster';

/**
 * What the HTTP layer refuses (Node's parser, lengths) gets Swift's status, error body and a
 * transaction id like any other answer; bad input inside a request is a 4xx, never a 500.
 */
jest.setTimeout(30_000);

const TX = /^tx[0-9a-f]{21}-[0-9a-f]{10}$/;

describe('object proxy edge errors', () => {
  const cluster = new TestCluster();
  let port = 0;
  beforeAll(async () => {
    await cluster.start(3);
    port = Number(new URL(cluster.proxyUrl).port);
    await cluster.fetch('/edge', { method: 'PUT' });
  });
  afterAll(() => cluster.stop());

  /** Bytes written as they are on a fresh connection; what came back until the server closed it. */
  function rawExchange(data: string): Promise<{ status: number; headers: Record<string, string>; body: string; closed: boolean }> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(data));
      let text = '';
      const timer = setTimeout(() => socket.destroy(), 3_000);
      socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => {
        clearTimeout(timer);
        const [head, ...rest] = text.split('\r\n\r\n');
        const [statusLine, ...lines] = head.split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body: rest.join('\r\n\r\n'), closed: true });
      });
    });
  }

  it.each([
    ['a request line over 16 KiB', `GET /v1/AUTH_p1/edge/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, 'Request URI Too Long'],
    ['headers over 16 KiB', `GET /info HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'Request Header Fields Too Large'],
    ['a control character in the URL', 'GET /v1/AUTH_p1/a\x01b HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'Bad URL'],
    ['a space in the URL', 'GET /v1/AUTH_p1/a b HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'Bad Request'],
    ['a bad method', 'GARBAGE\r\n\r\n', 400, 'Bad Request'],
    ['a space in a header name', 'GET /info HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n', 400, 'invalid character'],
    ['a NUL in a header value', 'GET /info HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n', 400, 'invalid character'],
    ['Content-Length with chunked', 'PUT /v1/AUTH_p1/edge/o HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', 400, 'Transfer-Encoding'],
    ['a bad chunk size', 'PUT /v1/AUTH_p1/edge/o HTTP/1.1\r\nHost: x\r\nX-Auth-Token: admin-token\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, 'chunk size'],
  ])('answers %s with Swift\'s error and a transaction id', async (_what, data, status, text) => {
    const r = await rawExchange(data);
    expect(r.status).toBe(status);
    expect(r.headers['x-openstack-request-id']).toMatch(TX);
    expect(r.headers['x-trans-id']).toBe(r.headers['x-openstack-request-id']);
    expect(r.headers['content-type']).toBe('text/html; charset=UTF-8');
    expect(r.body).toMatch(/^<html><h1>[^<]+<\/h1><p>[^<]*<\/p><\/html>$/);
    expect(r.body).toContain(text);
    expect(r.headers['content-length']).toBe(String(Buffer.byteLength(r.body)));
  });

  it('answers a URL over 8 KiB (Swift\'s request line limit) with 414', async () => {
    const r = await rawExchange(`GET /v1/AUTH_p1/edge/${'a'.repeat(9_000)} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: admin-token\r\nConnection: close\r\n\r\n`);
    expect(r.status).toBe(414);
    expect(r.headers['x-openstack-request-id']).toMatch(TX);
    expect(r.body).toContain('Request URI Too Long');
  });

  function send(method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path: `/v1/AUTH_p1${path}`, headers: { 'x-auth-token': 'admin-token', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it.each([
    ['an SLO segment path that is not UTF-8', 'PUT', '/edge/slo?multipart-manifest=put', {}, JSON.stringify([{ path: '/edge/%FF' }]), 'not valid percent-encoded UTF-8'],
    ['an SLO segment etag that is a number', 'PUT', '/edge/slo?multipart-manifest=put', {}, JSON.stringify([{ path: '/edge/seg', etag: 5 }]), 'Etag Mismatch'],
    ['an X-Object-Manifest without a prefix', 'PUT', '/edge/dlo', { 'x-object-manifest': 'edge' }, '', 'container/prefix'],
    ['an X-Object-Manifest that is not UTF-8', 'PUT', '/edge/dlo', { 'x-object-manifest': 'edge/%FF' }, '', 'container/prefix'],
    ['an X-Object-Manifest with a query', 'POST', '/edge/seg', { 'x-object-manifest': 'edge/a?b' }, '', 'container/prefix'],
    ['an X-Copy-From that is not UTF-8', 'PUT', '/edge/copy', { 'x-copy-from': '/edge/%FF' }, '', 'UTF-8'],
  ])('refuses %s with a 4xx', async (_what, method, path, headers, body, text) => {
    await send('PUT', '/edge/seg', {}, 'segment');
    const r = await send(method, path, headers, body);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.text).toContain(text);
  });
});
