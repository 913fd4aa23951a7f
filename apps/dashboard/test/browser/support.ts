import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { STACK_DIR } from '@kumo/testing';
import { Browser, chromium, Page } from 'playwright-core';

/** What the browser specs share: Debian's chromium as these machines run it, the stack's dashboard, axe. */
const CHROMIUM = process.env.KUMO_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const BASE = process.env.KUMO_DASHBOARD_URL ?? 'http://127.0.0.1:8000';
export const SHOTS = join(STACK_DIR, 'test-results', 'screenshots');

/** Headless chromium (issue 13's flags), the screenshots' directory made. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/** axe-core's serious and critical violations on the page, one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The login form filled and sent; resolves once the Overview shows. */
export async function logIn(page: Page, user: string, password: string): Promise<void> {
  await page.goto(`${BASE}/`);
  await page.getByLabel('Domain').fill('Default');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}
