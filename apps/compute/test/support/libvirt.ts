// What the agent's tests against the real libvirtd share, on top of the console suites' helpers
// (console-libvirt.ts: the libvirt suites' lock, libvirtd and kumo-tiny, removing domains): the
// domain prefix of the agent's tests and polling for a condition.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LibvirtClient } from '@kumo/libvirt';
import { removeDomains } from './console-libvirt';

export { libvirtdAndTinyImage, lockLibvirtd } from './console-libvirt';
export const run = promisify(execFile);
/** every test file names its domains with a prefix of its own (`kumo-test-agent-<file>-`), as files run in parallel */
export const TEST_DOMAIN_PREFIX = 'kumo-test-agent-';

/** Destroys and undefines every domain named `prefix`* (idempotent); only a test prefix. */
export async function removeTestDomains(c: LibvirtClient, prefix: string): Promise<void> {
  if (!prefix.startsWith(TEST_DOMAIN_PREFIX)) throw new Error(`${prefix} is not a test prefix`);
  await removeDomains(c, prefix);
}

/** Polls `fn` until it gives a truthy value; throws naming `what` after `ms`. */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
