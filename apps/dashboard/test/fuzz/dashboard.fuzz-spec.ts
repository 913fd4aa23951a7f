import { createServer, Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, httpRoutes } from '@kumo/common';
import { InMemoryMessaging } from '@kumo/messaging';
import { closeAgent, expandRoutes, FuzzTarget, itFuzzesEveryKind, keystoneFault } from '@kumo/testing';
import { createDashboardApp, DashboardApp } from '../../src/app';
import type { IssuedToken } from '../../src/clients/identity.client';
import { dashboardSection } from '../../src/config';
import { LOGIN_CSRF_COOKIE, SESSION_COOKIE } from '../../src/session-http';

/**
 * The fuzz tier for the dashboard server: every route it registered, with malformed input
 * (libs/testing), as a logged-in session (its cookie and CSRF token) and with none. Identity and
 * the APIs behind the proxy are one local server that refuses everything with a Keystone fault
 * (the stack is not up in this tier; sys-specs drive the real ones): what is fuzzed is the
 * dashboard's own edge (cookies, CSRF, the proxy's path and body handling). GET /events is left
 * out: with a session it is a stream that does not end (test/system covers it).
 */
describe('dashboard fuzz', () => {
  let d: DashboardApp;
  let upstream: Server;
  let target: FuzzTarget;
  let webRoot: string;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 404, title: 'Not Found', message: `nothing at ${req.method} ${req.url}` } }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const up = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
    webRoot = mkdtempSync(join(tmpdir(), 'kumo-dash-fuzz-'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><div id="root"></div>');
    const config = dashboardSection.parse({ auth_url: `${up}/v3`, web_root: webRoot });
    d = await createDashboardApp({ config, bus: new InMemoryMessaging(), logger: createLogger('dashboard-fuzz', 'silent') });
    await d.app.listen(0, '127.0.0.1');
    const { port } = d.app.getHttpServer().address() as { port: number };
    const token = (id: string): IssuedToken => ({
      id,
      expiresAt: Date.now() + 3600_000,
      user: { id: 'u1', name: 'fuzz', domain: { id: 'default', name: 'Default' } },
      project: { id: 'p1', name: 'fuzz', domain: { id: 'default', name: 'Default' } },
      roles: ['member'],
      catalog: ['compute', 'image', 'identity'].map((type) => ({ type, endpoints: [{ interface: 'public', url: `${up}/${type}` }] })),
    });
    const session = d.auth.sessions.create(token('unscoped'), token('scoped'), [{ id: 'p1', name: 'fuzz', domain_id: 'default', enabled: true }]);
    target = {
      baseUrl: `http://127.0.0.1:${port}`,
      routes: expandRoutes(httpRoutes(d.app).map((r) => ({ method: r.method, path: r.url }))).filter((r) => r.path !== '/events'),
      fault: keystoneFault,
      probe: { method: 'GET', path: '/healthcheck' },
      snapshot: async () => ({ sessions: d.auth.sessions.size }),
      cases: {
        fixtures: { service: 'compute' },
        // the login form's CSRF cookie carries the session's token too, so that both checks pass
        auth: { cookie: `${SESSION_COOKIE}=${session.id}; ${LOGIN_CSRF_COOKIE}=${session.csrfToken}`, 'x-csrf-token': session.csrfToken },
        headers: { accept: 'application/json' },
        bodyKey: () => undefined,
      },
    };
  }, 60_000);

  afterAll(async () => {
    closeAgent();
    await d?.close();
    await d?.app.close();
    await new Promise((r) => upstream?.close(r));
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('reads its routes from the app', () => {
    expect(target.routes).toContainEqual({ method: 'POST', path: '/auth/login' });
    expect(target.routes).toContainEqual({ method: 'PUT', path: '/api/:service/*' });
  });

  itFuzzesEveryKind(() => target, 'Keystone');
});
