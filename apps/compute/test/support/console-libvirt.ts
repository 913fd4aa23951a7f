// What the serial console's tests against the real libvirtd share: the libvirt suites' lock
// (libs/libvirt/test/support/libvirtd.ts: the reconnect suite restarts libvirtd under the others),
// libvirtd started as the stack does, the kumo-tiny image, and removing a prefix's domains.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isNoDomain, isOperationInvalid, type LibvirtClient } from '@kumo/libvirt';

const run = promisify(execFile);
const REPO = join(__dirname, '../../../..');
const LOCK = '/tmp/kumo-libvirt-tests.lock';

/** Takes the libvirt suites' lock (a directory holding the owner's pid; a dead owner's is taken over). */
export async function lockLibvirtd(timeoutMs = 600_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(`${LOCK}/pid`, String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    try {
      process.kill(Number(readFileSync(`${LOCK}/pid`, 'utf8')), 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(LOCK, { recursive: true, force: true });
    }
    if (Date.now() > deadline) throw new Error(`${LOCK} held for ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts libvirtd (deploy/allinone/lib.sh's start_libvirtd) unless one answers; returns the kumo-tiny qcow2's path. */
export async function libvirtdAndTinyImage(): Promise<string> {
  await run('bash', ['-c', '. deploy/allinone/lib.sh && start_libvirtd'], {
    cwd: REPO,
    env: { ...process.env, KUMO_ROOT: REPO },
    timeout: 90_000,
  });
  const { stdout } = await run(join(REPO, 'tools/guest-image/build.sh'), [], {
    cwd: REPO,
    timeout: 600_000,
    maxBuffer: 16 << 20,
  });
  return stdout.trim().split('\n').pop()!;
}

/** Destroys and undefines every domain whose name starts with `prefix` (idempotent). */
export async function removeDomains(c: LibvirtClient, prefix: string): Promise<void> {
  for (const dom of await c.connectListAllDomains(0)) {
    if (!dom.name.startsWith(prefix)) continue;
    await c.domainDestroy(dom).catch((e: unknown) => {
      if (!isOperationInvalid(e) && !isNoDomain(e)) throw e;
    });
    await c.domainUndefine(dom, 1 | 4).catch((e: unknown) => {
      if (!isNoDomain(e)) throw e;
    });
  }
}
