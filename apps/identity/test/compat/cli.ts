import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Where ./stack.sh keeps its state (openrc files); run_tests.sh exports KUMO_STACK_DIR. */
export const STACK_DIR = process.env.KUMO_STACK_DIR ?? resolve(__dirname, '../../../../.stack');

/** Reads `export OS_X=...` lines of an openrc file into an environment. */
export function openrc(name: 'admin' | 'demo'): Record<string, string> {
  const file = join(STACK_DIR, `${name}-openrc.sh`);
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run ./stack.sh first (the compat tier needs the running stack)`);
  }
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export (OS_[A-Z_]+)=(?:'([^']*)'|"([^"]*)"|(\S*))/.exec(line.trim());
    if (m) env[m[1]] = m[2] ?? m[3] ?? m[4] ?? '';
  }
  return env;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `openstack` client (Debian's python3-openstackclient) with exactly the given OS_* env. */
export function openstack(args: string[], env: Record<string, string>): Promise<CliResult> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };
  return new Promise((resolvePromise) => {
    execFile('openstack', args, { env: { ...base, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolvePromise({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

/** Runs `openstack ... -f json` and parses the output; fails with the CLI's stderr when it exits non-zero. */
export async function openstackJson<T = Record<string, unknown>>(args: string[], env: Record<string, string>): Promise<T> {
  const r = await openstack([...args, '-f', 'json'], env);
  if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout) as T;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
