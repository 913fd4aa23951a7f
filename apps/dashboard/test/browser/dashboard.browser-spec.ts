import { join } from 'node:path';
import { openrc } from '@kumo/testing';
import { Browser, Page } from 'playwright-core';
import { BASE, SHOTS, launchChromium, logIn } from './support';

jest.setTimeout(240_000);


/**
 * The stack's dashboard in Chromium: log in, the frame, the instances table following a real
 * server's status without a reload, the polling fallback when the stream is blocked, logout.
 */
describe('dashboard in a browser', () => {
  const demo = openrc('demo');
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });


  it('logs in, keeps the session cookie out of reach of scripts, and logs out', async () => {
    const page = await browser.newPage();
    await page.goto(`${BASE}/`);
    await page.getByRole('heading', { name: 'Log in to Kumo' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'dashboard-login.png') });
    await page.getByLabel('User name').fill(demo.OS_USERNAME);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expectText(page.getByRole('alert'), /authenticat/i);
    await page.getByLabel('Password').fill(demo.OS_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await page.getByLabel('Project').inputValue()).toBeTruthy();
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'kumo_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate<string>('document.cookie')).not.toMatch(/kumo_session/);
    expect(await page.evaluate<string>('JSON.stringify(localStorage) + JSON.stringify(sessionStorage)')).not.toMatch(/token/i);
    await page.screenshot({ path: join(SHOTS, 'dashboard-overview.png') });
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in to Kumo' }).waitFor();
    await page.close();
  });

  it('shows a server turn ACTIVE without a reload, then go away when deleted', async () => {
    const page = await browser.newPage();
    await logIn(page, demo.OS_USERNAME, demo.OS_PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Instances' }).click();
    await page.getByRole('heading', { name: 'Instances' }).waitFor();
    await expectText(page.getByRole('status').filter({ hasText: /Live/ }), /Live: statuses change/);
    const api = await computeAs(demo);
    const name = `dash-browser-${Date.now().toString(36)}`;
    const id = await api.create(name);
    try {
      const row = page.locator(`tr[data-server-id="${id}"]`);
      await row.waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, 'dashboard-instances-building.png') });
      await expectText(row.locator('.badge'), /^Active$/, 180_000);
      await page.screenshot({ path: join(SHOTS, 'dashboard-instances.png') });
    } finally {
      await api.remove(id);
    }
    await page.locator(`tr[data-server-id="${id}"]`).waitFor({ state: 'detached', timeout: 120_000 });
    await page.close();
  });

  it('polls when the event stream cannot be opened, and says so', async () => {
    const page = await browser.newPage();
    await page.route('**/events', (route) => route.abort());
    await logIn(page, demo.OS_USERNAME, demo.OS_PASSWORD);
    await page.goto(`${BASE}/instances`);
    await expectText(page.getByRole('status').filter({ hasText: /Live updates/ }), /unavailable: refreshing every 5 s/);
    const polls: string[] = [];
    page.on('request', (r) => r.url().includes('/api/compute/servers/detail') && polls.push(r.url()));
    await page.waitForTimeout(11_000);
    expect(polls.length).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(SHOTS, 'dashboard-instances-polling.png') });
    await page.close();
  });
});

/** Waits until the locator's text matches. */
async function expectText(locator: ReturnType<Page['locator']>, re: RegExp, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    last = (await locator.first().textContent({ timeout: 2000 }).catch(() => '')) ?? '';
    if (re.test(last.trim())) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`text ${JSON.stringify(last)} did not match ${re} within ${timeout} ms`);
}

/** Compute as an openrc's user, through identity's catalog: create (kumo-tiny, tiny) and delete a server. */
async function computeAs(env: Record<string, string>) {
  const base = env.OS_AUTH_URL.replace(/\/v3\/?$/, '');
  const res = await fetch(`${base}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: env.OS_USERNAME, domain: { name: 'Default' }, password: env.OS_PASSWORD } } },
        scope: { project: { name: env.OS_PROJECT_NAME, domain: { name: 'Default' } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`login as ${env.OS_USERNAME}: ${res.status}`);
  const token = res.headers.get('x-subject-token')!;
  const catalog = ((await res.json()) as { token: { catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }> } }).token.catalog;
  const url = (type: string) => catalog.find((c) => c.type === type)!.endpoints.find((e) => e.interface === 'public')!.url.replace(/\/+$/, '');
  const headers = { 'x-auth-token': token, 'content-type': 'application/json' };
  const first = async (path: string, key: string, name: string) => {
    const r = await fetch(`${path}`, { headers });
    const list = ((await r.json()) as Record<string, Array<{ id: string; name: string }>>)[key];
    const hit = list.find((x) => x.name === name);
    if (!hit) throw new Error(`no ${name} in ${path}`);
    return hit.id;
  };
  const image = await first(`${url('image')}/v2/images?name=kumo-tiny`, 'images', 'kumo-tiny');
  const flavor = await first(`${url('compute')}/flavors`, 'flavors', 'tiny');
  return {
    async create(name: string): Promise<string> {
      const r = await fetch(`${url('compute')}/servers`, { method: 'POST', headers, body: JSON.stringify({ server: { name, imageRef: image, flavorRef: flavor, networks: 'none' } }) });
      if (r.status !== 202) throw new Error(`server create: ${r.status} ${await r.text()}`);
      return ((await r.json()) as { server: { id: string } }).server.id;
    },
    async remove(id: string): Promise<void> {
      const r = await fetch(`${url('compute')}/servers/${id}`, { method: 'DELETE', headers });
      if (r.status !== 204 && r.status !== 404) throw new Error(`server delete: ${r.status} ${await r.text()}`);
    },
  };
}
