// What every test against the real libvirtd shares (libs/libvirt's suites, compute's driver, agent and
// console suites): one lock across jest workers and packages (libs/libvirt's reconnect suite restarts
// libvirtd under the others otherwise), libvirtd started as the stack starts it (deploy/allinone/lib.sh
// start_libvirtd), the kumo-tiny guest image, and waiting for text on a console.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = join(__dirname, '../../..');
const LOCK = '/tmp/kumo-libvirt-tests.lock';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Takes the libvirt suites' lock: a directory made atomically, holding the owner's pid; a lock whose
 * owner died is taken over. Returns the release function.
 */
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
    let owner = NaN;
    try {
      owner = Number(readFileSync(`${LOCK}/pid`, 'utf8'));
    } catch {
      // being created or removed right now
    }
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`${LOCK} held by pid ${owner} for ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts libvirtd unless one answers; throws with start_libvirtd's output when it cannot. */
export async function ensureLibvirtd(): Promise<void> {
  try {
    await run('bash', ['-c', '. deploy/allinone/lib.sh && start_libvirtd'], {
      cwd: REPO,
      env: { ...process.env, KUMO_ROOT: REPO },
      timeout: 90_000,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`libvirtd could not be started: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** The kumo-tiny qcow2's path, built by tools/guest-image/build.sh when missing or stale. */
export async function kumoTinyImage(): Promise<string> {
  const { stdout } = await run(join(REPO, 'tools/guest-image/build.sh'), [], {
    cwd: REPO,
    timeout: 600_000,
    maxBuffer: 16 << 20,
  });
  return stdout.trim().split('\n').pop()!;
}

/** A console's output as it grows: `append` what arrives, `until` waits for a pattern in it. */
export function consoleText() {
  let text = '';
  return {
    append(s: string): void {
      text += s;
    },
    get text(): string {
      return text;
    },
    /** The index of the first match of `re` at or after `from`; throws with the console's tail after `timeoutMs`. */
    async until(re: RegExp, timeoutMs: number, from = 0): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = text.slice(from).search(re);
        if (i >= 0) return from + i;
        if (Date.now() > deadline)
          throw new Error(`the console never showed ${re} within ${timeoutMs} ms; it showed:\n${text.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}
