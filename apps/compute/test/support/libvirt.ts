// What the agent's tests against the real libvirtd share: starting it (deploy/allinone/lib.sh's
// start_libvirtd, as the stack does), the kumo-tiny image (tools/guest-image, built when missing),
// removing the kumo-test-agent-* domains, and polling for a condition.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isNoDomain, isOperationInvalid, type LibvirtClient } from '@kumo/libvirt';

export const run = promisify(execFile);
export const REPO = join(__dirname, '../../../..');
/** every test file names its domains with a prefix of its own (`kumo-test-agent-<file>-`), as files run in parallel */
export const TEST_DOMAIN_PREFIX = 'kumo-test-agent-';

/**
 * The lock of libs/libvirt's integration suites (/tmp/kumo-libvirt-tests.lock, a directory holding
 * the owner's pid): its reconnect suite restarts libvirtd, which must not happen under a build.
 * The same protocol as libs/libvirt/test/support/libvirtd.ts (test code is not shared across packages).
 */
export async function lockLibvirtd(timeoutMs = 900_000): Promise<() => void> {
  const lock = '/tmp/kumo-libvirt-tests.lock';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(`${lock}/pid`, String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(`${lock}/pid`, 'utf8'));
    } catch {
      // being created or removed right now
    }
    let alive = false;
    try {
      alive = Number.isInteger(owner) && owner > 0 && process.kill(owner, 0);
    } catch {
      alive = false;
    }
    if (Number.isInteger(owner) && !alive) rmSync(lock, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`${lock} held by pid ${owner} for ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

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
