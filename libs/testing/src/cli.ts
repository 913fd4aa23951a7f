import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where ./stack.sh keeps its state (openrc files); run_tests.sh exports KUMO_STACK_DIR. */
export const STACK_DIR = process.env.KUMO_STACK_DIR ?? resolve(__dirname, '../../../.stack');

/** Reads the `export OS_X=...` lines of the stack's `<name>-openrc.sh` into an environment. */
export function openrc(name: 'admin' | 'demo' = 'admin'): Record<string, string> {
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

/** The password login of an openrc user, as @kumo/sdk's ServiceSession (and the services' clients built on it) take it. */
export function openrcCredentials(name: 'admin' | 'demo' = 'admin'): {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
} {
  const env = openrc(name);
  return {
    authUrl: env.OS_AUTH_URL,
    username: env.OS_USERNAME,
    password: env.OS_PASSWORD,
    projectName: env.OS_PROJECT_NAME,
    userDomainName: env.OS_USER_DOMAIN_NAME ?? 'Default',
    projectDomainName: env.OS_PROJECT_DOMAIN_NAME ?? 'Default',
  };
}

export interface CliResult {
  /** The exit status; a signal's name when the command was killed (e.g. `SIGTERM` after the timeout), or the spawn error's code (`ENOENT`). */
  code: number | string;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Killed after this long (default 60 s). */
  timeoutMs?: number;
  /** How stdout and stderr are decoded (default utf8; latin1 keeps every byte). */
  encoding?: BufferEncoding;
  /** Output kept at most (default 64 MiB). */
  maxBuffer?: number;
  /** stderr kept at most, in characters (default all). */
  maxStderr?: number;
}

/**
 * Runs a real client (Debian's `openstack`, `swift`, `python3`, ...) with exactly the given
 * environment on top of PATH, HOME and LANG, never failing: the exit status is in `code`.
 */
export function runCli(cmd: string, args: string[], env: Record<string, string>, opts: CliOptions = {}): Promise<CliResult> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };
  return new Promise((done) => {
    execFile(
      cmd,
      args,
      { env: { ...base, ...env }, cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGTERM', encoding: opts.encoding ?? 'utf8', maxBuffer: opts.maxBuffer ?? 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string | null; signal?: string | null }) | null;
        const code = e ? (e.signal ?? e.code ?? 1) : 0;
        done({ code, stdout, stderr: opts.maxStderr === undefined ? stderr : stderr.slice(0, opts.maxStderr) });
      },
    );
  });
}

/** Runs the command and returns its stdout; throws with its stderr when it exits non-zero. */
export async function runCliOk(cmd: string, args: string[], env: Record<string, string>, opts: CliOptions = {}): Promise<string> {
  const r = await runCli(cmd, args, env, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Runs the real `openstack` client (Debian's python3-openstackclient). */
export function openstack(args: string[], env: Record<string, string>, opts?: CliOptions): Promise<CliResult> {
  return runCli('openstack', args, env, opts);
}

/** Runs `openstack ... -f json` and parses the output; fails with the CLI's stderr when it exits non-zero. */
export async function openstackJson<T = Record<string, unknown>>(args: string[], env: Record<string, string>, opts?: CliOptions): Promise<T> {
  return JSON.parse(await runCliOk('openstack', [...args, '-f', 'json'], env, opts)) as T;
}

/** Runs the real `swift` client (Debian's python3-swiftclient). */
export function swift(args: string[], env: Record<string, string>, opts?: CliOptions): Promise<CliResult> {
  return runCli('swift', args, env, opts);
}

/** A name no other test run uses: `<prefix>-<8 hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
