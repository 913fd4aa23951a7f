import { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createLogger, loadConfig } from '@kumo/common';
import { MessagingClient } from '@kumo/messaging';
import { openrc, STACK_DIR } from '@kumo/testing';
import { dashboardConfigSections } from '../../src/config';
import { Browser, freePort, readEvents, startDashboard, stopDashboard } from './support';

jest.setTimeout(90_000);

/**
 * The dashboard process (dist/main.api.js) against the running stack: cookies, CSRF, the API
 * proxy with the session's token, the event stream filtered by project, logout.
 */
describe('dashboard server', () => {
  const admin = openrc('admin');
  const demo = openrc('demo');
  const config = loadConfig(dashboardConfigSections, { file: join(STACK_DIR, 'kumo.yaml'), env: {} });
  let proc: ChildProcess | undefined;
  let base: string;
  let bus: MessagingClient;

  beforeAll(async () => {
    const started = await startDashboard(await freePort());
    proc = started.proc;
    base = started.url;
    bus = new MessagingClient({ url: config.messaging.url, exchangePrefix: config.messaging.exchange_prefix, logger: createLogger('dashboard-test', 'silent') });
    await bus.ready();
  });
  afterAll(async () => {
    await bus?.close();
    await stopDashboard(proc);
  });

  it('keeps the session in an HttpOnly SameSite=Strict cookie, the token out of the browser', async () => {
    const b = new Browser(base);
    const anon = await b.json<{ authenticated: boolean; csrfToken: string }>('/auth/session');
    expect(anon.body.authenticated).toBe(false);
    expect(b.lastSetCookie.join('\n')).toMatch(/kumo_login_csrf=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
    const r = await b.login(demo.OS_USERNAME, demo.OS_PASSWORD);
    expect(r.status).toBe(201);
    const cookie = b.lastSetCookie.find((c) => c.startsWith('kumo_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(r.body).toMatchObject({ authenticated: true, admin: false, project: { name: demo.OS_PROJECT_NAME } });
    expect(JSON.stringify(r.body)).not.toMatch(/gAAAA|x-subject-token|"token"/);
    expect((await b.json('/auth/session')).body).toMatchObject({ authenticated: true, user: { name: demo.OS_USERNAME } });
  });

  it('refuses a login without the form’s CSRF token, and shows identity’s refusal of a bad password', async () => {
    const b = new Browser(base);
    await b.json('/auth/session');
    const forged = await b.json<{ error: { message: string } }>('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: demo.OS_USERNAME, password: demo.OS_PASSWORD }),
    });
    expect(forged.status).toBe(403);
    expect(forged.body.error.message).toMatch(/CSRF/);
    expect([...b.cookies.keys()]).not.toContain('kumo_session');
    const bad = await b.login(demo.OS_USERNAME, 'wrong-password');
    expect(bad.status).toBe(401);
    expect((bad.body as { error: { message: string } }).error.message).toMatch(/authenticat/i);
  });

  it('proxies the catalog’s APIs with the session’s token and the request id', async () => {
    const b = new Browser(base);
    await b.login(demo.OS_USERNAME, demo.OS_PASSWORD);
    const requestId = `req-${randomUUID()}`;
    const list = await b.json<{ servers: unknown[] }>('/api/compute/servers/detail', { headers: { 'x-openstack-request-id': requestId } });
    expect(list.status).toBe(200);
    expect(Array.isArray(list.body.servers)).toBe(true);
    expect(list.res.headers.get('x-openstack-request-id')).toBe(requestId);
    // identity answers as the session's user: the token is demo's
    const me = await b.json<{ user: { name: string } }>(`/api/identity/users/${(await b.json<{ user: { id: string } }>('/auth/session')).body.user.id}`);
    expect(me.body.user.name).toBe(demo.OS_USERNAME);
    const images = await b.json<{ images: Array<{ name: string }> }>('/api/image/v2/images');
    expect(images.body.images.map((i) => i.name)).toContain('kumo-tiny');
    const missing = await b.json<{ error: { message: string } }>('/api/network/v2.0/networks');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toMatch(/has no network service \(it has: .*compute/);
    const anon = await new Browser(base).json('/api/compute/servers/detail');
    expect(anon.status).toBe(401);
  });

  it('needs the session’s CSRF token for a state-changing call, then passes the body and the API’s answer', async () => {
    const b = new Browser(base);
    await b.login(demo.OS_USERNAME, demo.OS_PASSWORD);
    const body = JSON.stringify({ server: { name: `dash-${randomUUID().slice(0, 8)}` } });
    const forged = await b.json<{ error: { message: string } }>('/api/compute/servers', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(forged.status).toBe(403);
    const wrong = await b.json('/api/compute/servers', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': 'guess' }, body });
    expect(wrong.status).toBe(403);
    // with the token: compute itself refuses the server without image and flavor (its own message)
    const real = await b.json<Record<string, { message: string }>>('/api/compute/servers', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': b.csrf! }, body });
    expect(real.status).toBe(400);
    expect(real.body.badRequest.message).toMatch(/flavorRef|imageRef/);
  });

  it('streams only the project’s events to a member, every event to an admin', async () => {
    const member = new Browser(base);
    const { body: m } = await member.login(demo.OS_USERNAME, demo.OS_PASSWORD);
    const boss = new Browser(base);
    const { body: a } = await boss.login(admin.OS_USERNAME, admin.OS_PASSWORD);
    const demoProject = (m as { project: { id: string } }).project.id;
    const adminProject = (a as { project: { id: string } }).project.id;
    const memberStream = await member.fetch('/events');
    const adminStream = await boss.fetch('/events');
    expect(memberStream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // a server that is DELETED: a browser watching the project drops it, it adds nothing to any list
    const tag = randomUUID();
    const event = (tenant: string) => ({ server: { id: randomUUID(), name: `dash-sys-${tag}`, status: 'DELETED', tenant_id: tenant } });
    const mine = event(demoProject);
    const theirs = event(adminProject);
    const tagged = (f: Array<{ event?: string; data: unknown }>) => f.filter((x) => JSON.stringify(x.data).includes(tag));
    const reading = Promise.all([readEvents(memberStream, (f) => tagged(f).length >= 2, 8000), readEvents(adminStream, (f) => tagged(f).length >= 2, 8000)]);
    await new Promise((r) => setTimeout(r, 300));
    await bus.notify(undefined, 'compute.instance.delete.end', theirs);
    await bus.notify(undefined, 'compute.instance.delete.end', mine);
    const [memberFrames, adminFrames] = await reading;
    expect(memberFrames[0]).toEqual({ event: 'bus', data: { connected: true } });
    expect(tagged(memberFrames).map((f) => (f.data as { payload: typeof mine }).payload.server.id)).toEqual([mine.server.id]);
    expect(tagged(adminFrames).map((f) => (f.data as { payload: typeof mine }).payload.server.id)).toEqual([theirs.server.id, mine.server.id]);
    expect((await new Browser(base).fetch('/events')).status).toBe(401);
  });

  it('logout ends the session and its stream, and asks for the CSRF token', async () => {
    const b = new Browser(base);
    await b.login(demo.OS_USERNAME, demo.OS_PASSWORD);
    const stream = await b.fetch('/events');
    const cookies = new Map(b.cookies);
    expect((await b.json('/auth/logout', { method: 'POST' })).status).toBe(403);
    const out = await b.fetch('/auth/logout', { method: 'POST', headers: { 'x-csrf-token': b.csrf! } });
    expect(out.status).toBe(204);
    expect(b.cookies.has('kumo_session')).toBe(false);
    // the old cookie no longer opens anything
    const replay = new Browser(base);
    for (const [k, v] of cookies) replay.cookies.set(k, v);
    expect((await replay.json('/api/compute/servers/detail')).status).toBe(401);
    await bus.notify(undefined, 'compute.instance.delete.end', { server: { id: randomUUID(), status: 'DELETED', tenant_id: 'x' } });
    const frames = await readEvents(stream, () => false, 3000);
    expect(frames.filter((f) => f.event !== 'bus')).toEqual([]);
  });

  it('serves the app’s page for its paths, with a CSP', async () => {
    const res = await fetch(`${base}/instances`);
    if (res.status === 503) throw new Error(`the app is not built: ${await res.text()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await res.text()).toMatch(/<div id="root">/);
    expect((await fetch(`${base}/assets/nothing-here.js`)).status).toBe(404);
  });
});
