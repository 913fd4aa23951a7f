import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { casesFor, expandRoutes, pct } from '../src/cases';
import { keystoneFault } from '../src/faults';
import { closeAgent } from '../src/http';
import { formatFailures, fuzz, FuzzTarget } from '../src/fuzz';

/**
 * The harness against a small server with one bug of each kind it must find: a 500 on `__proto__`,
 * a missing request id, a body that is not the fault style, a row created by a refused request,
 * and a request that blocks the event loop.
 */
describe('fuzz harness', () => {
  let server: Server;
  let base: string;
  const rows: string[] = [];

  const fault = (res: ServerResponse, status: number, body = JSON.stringify({ error: { code: status, title: 'T', message: 'm' } })): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-openstack-request-id': 'req-1' }).end(body);
  };

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://x');
      req.resume();
      req.on('end', () => {
        if (url.pathname === '/v3') return void res.writeHead(200, { 'x-openstack-request-id': 'req-1' }).end('{}');
        if (url.pathname === '/things/__proto__') return fault(res, 500);
        if (url.pathname === '/things/constructor') return void res.writeHead(404).end('nope');
        if (url.pathname === '/things/toString') return fault(res, 400, '{"message":"Client Error"}');
        if (url.pathname === '/things/prototype') {
          const until = Date.now() + 400;
          while (Date.now() < until);
        }
        if (req.method === 'POST' && url.searchParams.has('limit')) rows.push('x');
        fault(res, 404);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    closeAgent();
    await new Promise((r) => server.close(r));
  });

  const target = (routes: Array<{ method: string; path: string }>): FuzzTarget => ({
    baseUrl: base,
    routes,
    fault: keystoneFault,
    probe: { method: 'GET', path: '/v3' },
    snapshot: () => Promise.resolve({ rows: rows.length }),
    cases: { fixtures: { things: 'real' }, auth: { 'x-auth-token': 't' } },
  });

  it('finds the 5xx, the missing request id, the wrong fault body and the stall, and prints the request', async () => {
    const report = await fuzz(target([{ method: 'GET', path: '/things/:id' }]), 'params');
    const problems = report.failures.map((f) => `${f.request.path} ${f.problem}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        '/things/__proto__ answered 500',
        '/things/constructor no x-openstack-request-id',
        expect.stringMatching(/^\/things\/constructor fault body: content-type/),
        expect.stringMatching(/^\/things\/toString fault body: /),
        expect.stringMatching(/^\/things\/prototype the probe took \d+ ms or more \(limit 200\)/),
      ]),
    );
    expect(formatFailures(report)).toContain('> GET /things/__proto__\n  > x-auth-token: t\n  < 500 ');
  }, 30_000);

  it('finds a row created by a refused request', async () => {
    const report = await fuzz(target([{ method: 'POST', path: '/things' }]), 'query');
    expect(report.failures.map((f) => f.problem)).toContain('refused (404) but changed rows: 0 → 1');
  }, 30_000);
});

describe('cases', () => {
  const opts = { fixtures: { projects: 'p1', account: 'AUTH_a' }, auth: { 'x-auth-token': 't' }, randomRuns: 5, seed: 7 };

  it('draws the same cases from the same seed and others from another', () => {
    const route = { method: 'PATCH', path: '/v3/projects/:id' };
    const a = casesFor(route, 0, opts).filter((c) => c.kind === 'random');
    expect(casesFor(route, 0, opts).filter((c) => c.kind === 'random')).toEqual(a);
    expect(casesFor(route, 0, { ...opts, seed: 8 }).filter((c) => c.kind === 'random')).not.toEqual(a);
  });

  it('fills path parameters from the fixtures by the segment before them or by name', () => {
    const cases = casesFor({ method: 'GET', path: '/v1/{account}/{container}' }, 0, opts);
    expect(cases.find((c) => c.kind === 'query')?.path).toMatch(/^\/v1\/AUTH_a\/fuzz-missing\?/);
    expect(casesFor({ method: 'GET', path: '/v3/projects/:id' }, 0, opts).find((c) => c.kind === 'headers')?.path).toBe('/v3/projects/p1');
  });

  it('never sends a DELETE of the fixtures themselves with a token', () => {
    const cases = casesFor({ method: 'DELETE', path: '/v3/projects/:id' }, 0, opts);
    expect(cases.filter((c) => c.path === '/v3/projects/p1' && c.headers['x-auth-token'] === 't')).toEqual([]);
  });

  it('expands alternation parameters and encodes every byte', () => {
    expect(expandRoutes([{ method: 'GET', path: '/v3/:t(projects|domains)/:id' }])).toEqual([
      { method: 'GET', path: '/v3/projects/:id' },
      { method: 'GET', path: '/v3/domains/:id' },
    ]);
    expect(pct('a/b\u0000é')).toBe('a%2Fb%00%C3%A9');
  });
});
