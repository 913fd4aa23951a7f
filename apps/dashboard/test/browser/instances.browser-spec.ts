import { join } from 'node:path';
import { openrc } from '@kumo/testing';
import { Browser, Page } from 'playwright-core';
import { BASE, SHOTS, launchChromium, logIn, seriousViolations } from './support';

jest.setTimeout(300_000);


/**
 * The launch wizard, the detail page and the actions against the stack: a kumo-tiny server on
 * flavor tiny launched from the wizard turns ACTIVE, its detail shows the create's steps and the
 * console log, it is stopped and started from there, and deleted through the confirmation dialog;
 * axe stays clean on the way.
 */
describe('instances: launch, detail, actions', () => {
  const demo = openrc('demo');
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });


  /** Deletes the server through the dashboard (the session's CSRF token), when the test did not. */
  async function cleanUp(page: Page, id: string): Promise<void> {
    const session = (await (await page.request.get(`${BASE}/auth/session`)).json()) as { csrfToken?: string };
    await page.request.delete(`${BASE}/api/compute/servers/${id}`, { headers: { 'x-csrf-token': session.csrfToken ?? '' } });
  }

  it('launches kumo-tiny on tiny from the wizard, shows it ACTIVE with its steps, and deletes it after asking', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await logIn(page, demo.OS_USERNAME, demo.OS_PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Instances' }).click();
    await page.getByRole('button', { name: 'Launch instance' }).click();
    const wizard = page.getByRole('region', { name: 'Launch an instance' });
    await wizard.getByRole('radio', { name: /tiny/ }).waitFor();
    // the checks before any request: the messages next to the fields, the focus on the first
    await wizard.getByRole('button', { name: 'Launch' }).click();
    await wizard.getByText('A name is required.').waitFor();
    expect(await page.evaluate<string>('document.activeElement.id')).toBe(await wizard.getByLabel('Name').getAttribute('id'));
    expect(await wizard.getByText('Choose an image.').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'dashboard-launch-errors.png') });

    const name = `dash-wizard-${Date.now().toString(36)}`;
    await wizard.getByLabel('Name').fill(name);
    await wizard.getByLabel('Image').selectOption({ label: 'kumo-tiny' });
    await wizard.getByRole('radio', { name: /tiny/ }).check();
    await wizard.getByLabel('User data').fill('#cloud-config\n');
    const posted = page.waitForResponse((r) => r.url().endsWith('/api/compute/servers') && r.request().method() === 'POST');
    await wizard.getByRole('button', { name: 'Launch' }).click();
    const res = await posted;
    expect(res.status()).toBe(202);
    const id = ((await res.json()) as { server: { id: string } }).server.id;
    try {
      const row = page.locator(`tr[data-server-id="${id}"]`);
      await row.waitFor({ timeout: 30_000 });
      await expectText(row.locator('.badge'), /^Active$/, 180_000);
      expect(await row.getByRole('button').allTextContents()).toEqual(['Stop', 'Reboot', 'Hard reboot', 'Pause', 'Suspend', 'Delete']);

      await row.getByRole('link', { name }).click();
      await page.getByRole('heading', { name, level: 1 }).waitFor();
      const log = page.getByRole('table', { name: /Actions on this server/ });
      await expectText(log.getByRole('rowheader').first(), /^create/);
      await expectText(log.locator('.events li').first(), /: .+ → .+ · \d+\.\d+ s · Success$/);
      await page.getByRole('region', { name: 'Console log' }).locator('pre').waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'dashboard-instance-detail.png'), fullPage: true });

      // stop asks first, then the page follows the server to SHUTOFF, where start is offered
      const badge = page.locator('.page-head .badge');
      await page.getByRole('button', { name: `Stop ${name}` }).click();
      await page.getByRole('alertdialog', { name: `Stop ${name}?` }).getByRole('button', { name: 'Stop' }).click();
      await expectText(badge, /^Shutoff$/, 120_000);
      await page.getByRole('button', { name: `Start ${name}` }).click();
      await expectText(badge, /^Active$/, 120_000);
      await expectText(log.getByRole('rowheader').first(), /^start/);

      await page.getByRole('button', { name: `Delete ${name}` }).click();
      const dialog = page.getByRole('alertdialog', { name: `Delete ${name}?` });
      expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Cancel');
      expect(await seriousViolations(page)).toEqual([]);
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('heading', { name: 'Instances', level: 1 }).waitFor();
      await page.locator(`tr[data-server-id="${id}"]`).waitFor({ state: 'detached', timeout: 120_000 });
    } finally {
      await cleanUp(page, id).catch(() => undefined);
    }
    await context.close();
  });
});

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
