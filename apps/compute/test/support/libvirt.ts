// What the agent's tests against the real libvirtd share: starting it (deploy/allinone/lib.sh's
// start_libvirtd, as the stack does), the kumo-tiny image (tools/guest-image, built when missing),
// removing the kumo-test-agent-* domains, and polling for a condition.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isNoDomain, isOperationInvalid, type LibvirtClient } from '@kumo/libvirt';

export const run = promisify(execFile);
export const REPO = join(__dirname, '../../../..');
/** every test file names its domains with a prefix of its own (`kumo-test-agent-<file>-`), as files run in parallel */
export const TEST_DOMAIN_PREFIX = 'kumo-test-agent-';

export async function ensureLibvirtd(): Promise<void> {
  await run('bash', ['-c', '. deploy/allinone/lib.sh && start_libvirtd'], { cwd: REPO, env: { ...process.env, KUMO_ROOT: REPO }, timeout: 90_000 });
}

/** The kumo-tiny qcow2 (cached by build.sh; the last line it prints is the path). */
export async function tinyImage(): Promise<string> {
  const { stdout } = await run(join(REPO, 'tools/guest-image/build.sh'), [], { cwd: REPO, timeout: 600_000, maxBuffer: 16 << 20 });
  return stdout.trim().split('\n').pop()!;
}

/** Destroys and undefines every domain named `prefix`* (idempotent). */
export async function removeTestDomains(c: LibvirtClient, prefix: string): Promise<void> {
  if (!prefix.startsWith(TEST_DOMAIN_PREFIX)) throw new Error(`${prefix} is not a test prefix`);
  for (const dom of await c.connectListAllDomains(0)) {
    if (!dom.name.startsWith(prefix)) continue;
    await c.domainDestroy(dom).catch((e: unknown) => {
      if (!isOperationInvalid(e) && !isNoDomain(e)) throw e;
    });
    // MANAGED_SAVE | NVRAM
    await c.domainUndefine(dom, 1 | 4).catch((e: unknown) => {
      if (!isNoDomain(e)) throw e;
    });
  }
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
