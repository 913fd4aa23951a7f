import { join } from 'node:path';
import { openrc } from '@kumo/testing';
import { Browser } from 'playwright-core';
import { BASE, SHOTS, launchChromium, seriousViolations } from './support';

jest.setTimeout(180_000);

const PAGES = [
  { path: '/', heading: 'Overview', shot: 'overview' },
  { path: '/instances', heading: 'Instances', shot: 'instances-a11y' },
  { path: '/images', heading: 'Images', shot: 'images' },
  { path: '/object-storage', heading: 'Object storage', shot: 'object-storage' },
  { path: '/identity', heading: 'Identity', shot: 'identity' },
];

type Doc = { document: { querySelector(s: string): { textContent: string | null } | null } };

/** axe-core on every page, light and dark, at 1280×800 and at phone width: no serious or critical violation. */
describe('dashboard accessibility', () => {
  const demo = openrc('demo');
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });


  for (const scheme of ['light', 'dark'] as const) {
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      it(`has no serious violation on any page (${scheme}, ${viewport.width}×${viewport.height})`, async () => {
        const context = await browser.newContext({ colorScheme: scheme, viewport });
        const page = await context.newPage();
        const found: string[] = [];
        await page.goto(`${BASE}/`);
        await page.getByRole('heading', { name: 'Log in to Kumo' }).waitFor();
        found.push(...(await seriousViolations(page)).map((v) => `login: ${v}`));
        await page.getByLabel('User name').fill(demo.OS_USERNAME);
        await page.getByLabel('Password').fill(demo.OS_PASSWORD);
        await page.getByRole('button', { name: 'Log in' }).click();
        for (const p of PAGES) {
          await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: p.heading, exact: true }).click();
          await page.getByRole('heading', { name: p.heading, level: 1 }).waitFor();
          // (a function, not a string: the page's CSP has no unsafe-eval)
          await page.waitForFunction(() => !(globalThis as unknown as Doc).document.querySelector('[role="status"]')?.textContent?.startsWith('Loading'));
          found.push(...(await seriousViolations(page)).map((v) => `${p.path}: ${v}`));
          if (viewport.width === 1280) await page.screenshot({ path: join(SHOTS, `dashboard-${p.shot}-${scheme}.png`) });
        }
        expect(found).toEqual([]);
        // keyboard: on a fresh page the skip link is the first stop, and it moves to the content
        await page.reload();
        await page.getByRole('heading', { name: 'Identity', level: 1 }).waitFor();
        await page.keyboard.press('Tab');
        expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Skip to content');
        await page.keyboard.press('Enter');
        expect(await page.evaluate<string>('document.activeElement.id')).toBe('main');
        await page.getByRole('button', { name: 'Log out' }).click();
        await page.getByRole('heading', { name: 'Log in to Kumo' }).waitFor();
        await context.close();
      });
    }
  }
});
