import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { basename } from 'node:path';
import { connect } from 'node:net';
import { TestCluster } from '../support/cluster';

/** Swift's limits and bad input through the proxy: a 4xx with Swift's error body, never a 500, nothing half-written. */
jest.setTimeout(30_000);

describe('object proxy bad input', () => {
  const cluster = new TestCluster();
  beforeAll(async () => {
    await cluster.start(3);
    await cluster.fetch('/lim', { method: 'PUT' });
  });
  afterAll(() => cluster.stop());

  /** A raw request (paths exactly as given: fetch would normalize them). */
  function raw(method: string, path: string, headers: Record<string, string | number> = {}, body?: string): Promise<{ status: number; body: string }> {
    const url = new URL(cluster.proxyUrl);
    return new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method, path: `${url.pathname}${path}`, headers: { 'x-auth-token': 'admin-token', ...headers } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  const status = async (path: string) => (await cluster.fetch(path, { method: 'HEAD' })).status;

  it.each([
    ['a NUL byte', '/lim/a%00b', 400, 'NUL'],
    ['a .. segment', '/lim/a/../b', 400, '..'],
    ['a . segment', '/lim/./b', 400, '..'],
    ['invalid UTF-8', '/lim/%FF%FE', 412, 'Invalid UTF8'],
    ['a 1025-byte object name', `/lim/${'o'.repeat(1025)}`, 400, 'longer than 1024'],
    ['a 257-byte container name', `/${'c'.repeat(257)}/o`, 400, 'longer than 256'],
  ])('refuses an object name with %s', async (_what, path, code, text) => {
    const r = await raw('PUT', path, { 'content-length': 1 }, 'x');
    expect(r.status).toBe(code);
    expect(r.body).toMatch(/^<html><h1>/);
    expect(r.body).toContain(text);
  });

  it.each([
    ['a metadata name over 128 bytes', { [`x-object-meta-${'k'.repeat(129)}`]: 'v' }, 'Metadata name too long'],
    ['a metadata value over 256 bytes', { 'x-object-meta-k': 'v'.repeat(257) }, 'Metadata value longer than 256'],
    ['more than 90 metadata items', Object.fromEntries(Array.from({ length: 91 }, (_, i) => [`x-object-meta-k${i}`, 'v'])), 'Too many metadata items'],
    ['more than 4096 bytes of metadata', Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x-object-meta-k${i}`, 'v'.repeat(250)])), 'Total metadata too large'],
  ])('refuses %s, keeping nothing', async (_what, headers, text) => {
    const r = await raw('PUT', '/lim/meta', { ...headers, 'content-length': 1 }, 'x');
    expect(r.status).toBe(400);
    expect(r.body).toContain(text);
    expect(await status('/lim/meta')).toBe(404);
  });

  it('wants a length, refuses an object over the size limit', async () => {
    // neither Content-Length nor Transfer-Encoding (Node's client would add one): a raw socket
    const url = new URL(cluster.proxyUrl);
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(url.port), url.hostname, () => sock.write(`PUT ${url.pathname}/lim/nolen HTTP/1.1\r\nHost: x\r\nX-Auth-Token: admin-token\r\nConnection: close\r\n\r\n`));
      let text = '';
      sock.on('data', (c: Buffer) => (text += c.toString()));
      sock.on('end', () => resolve(text));
      sock.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1.1 411 /);
    const huge = await raw('PUT', '/lim/huge', { 'content-length': 5368709123 });
    expect(huge.status).toBe(413);
    expect(huge.body).toContain('Request Entity Too Large');
  });

  it('refuses a body whose ETag does not match (422) and keeps nothing', async () => {
    const r = await raw('PUT', '/lim/etag', { etag: '0'.repeat(32), 'content-length': 5 }, 'hello');
    expect(r.status).toBe(422);
    expect(await status('/lim/etag')).toBe(404);
  });

  it('keeps nothing of an upload whose client went away', async () => {
    const url = new URL(cluster.proxyUrl);
    await new Promise<void>((resolve) => {
      const req = request({ host: url.hostname, port: url.port, method: 'PUT', path: `${url.pathname}/lim/cut`, headers: { 'x-auth-token': 'admin-token', 'content-length': 1_000_000 } });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(64 * 1024));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 300);
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(await status('/lim/cut')).toBe(404);
    const listing = (await (await cluster.fetch('/lim?format=json')).json()) as Array<{ name: string }>;
    expect(listing.map((x) => x.name)).not.toContain('cut');
    // nor a partial file on any node
    const leftovers = cluster.nodes.flatMap((n) => readdirSync(n.devicesRoot, { recursive: true }).map(String)).filter((f) => basename(f).startsWith('.tmp-'));
    expect(leftovers).toEqual([]);
  });

  it('answers 404 for a missing container and 412 for a bad listing limit', async () => {
    expect((await raw('PUT', '/missing/o', { 'content-length': 1 }, 'x')).status).toBe(404);
    expect((await raw('GET', '/lim?limit=-1')).status).toBe(412);
    expect((await raw('GET', '/lim?limit=10001')).status).toBe(412);
  });

  it('needs a token: 401 without one, with a WWW-Authenticate header', async () => {
    const r = await fetch(`${cluster.proxyUrl}/lim`);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toContain('Keystone uri=');
  });
});
