// The real libvirtd for the integration tests: started (with virtlogd) by deploy/allinone/lib.sh's
// start_libvirtd when none answers, as the compute service's stack will, and restarted by the
// reconnect test. Domains the tests create are named kumo-test-* and removed by removeTestDomains.
import { readFileSync } from 'node:fs';
import { LibvirtClient } from '../../src/client';
import { isNoDomain, isOperationInvalid } from '../../src/errors';

// by path: @kumo/testing's package depends on libs that libvirt's tests need not build
export { ensureLibvirtd, lockLibvirtd } from '../../../testing/src/libvirtd';

export const TEST_PREFIX = 'kumo-test-';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The pid of the running libvirtd (from its pid file), or null. */
export function libvirtdPid(): number | null {
  for (const file of ['/run/libvirtd.pid', '/var/run/libvirtd.pid']) {
    try {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (pid > 0 && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'libvirtd') return pid;
    } catch {
      // not there
    }
  }
  return null;
}

/** Stops libvirtd (SIGTERM to its pid, as its init script does) and waits until it is gone. */
export async function stopLibvirtd(): Promise<void> {
  const pid = libvirtdPid();
  if (pid === null) throw new Error('no libvirtd pid file names a running libvirtd');
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (alive(pid)) {
    if (Date.now() > deadline) throw new Error(`libvirtd ${pid} did not exit within 30 s of SIGTERM`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function connectedClient(uri: string): Promise<LibvirtClient> {
  const client = await LibvirtClient.connect({});
  await client.open(uri);
  return client;
}

/** Destroys and undefines every kumo-test-* domain of the connection (idempotent). */
export async function removeTestDomains(client: LibvirtClient): Promise<void> {
  for (const dom of await client.connectListAllDomains(0)) {
    if (!dom.name.startsWith(TEST_PREFIX)) continue;
    await client.domainDestroy(dom).catch((e: unknown) => {
      if (!isOperationInvalid(e) && !isNoDomain(e)) throw e;
    });
    await client.domainUndefine(dom).catch((e: unknown) => {
      if (!isNoDomain(e) && !isOperationInvalid(e)) throw e;
    });
  }
}

export const uniqueName = (what: string): string =>
  `${TEST_PREFIX}${what}-${process.pid}-${Date.now().toString(36)}`;

/** Waits for the first value of `emitter`'s `event` that `match` accepts. */
export function nextEvent<T>(
  emitter: { on(e: string, l: (v: T) => void): unknown; off(e: string, l: (v: T) => void): unknown },
  event: string,
  match: (v: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no matching ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (v: T): void => {
      if (!match(v)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(v);
    };
    emitter.on(event, listener);
  });
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, the call succeeded');
}
