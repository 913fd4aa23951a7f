/** Command line of the identity benchmark (pure, so it is unit-tested). */

export interface Target {
  name: string;
  /** base URL without the trailing slash, e.g. http://127.0.0.1:5000 */
  url: string;
  password: string;
  /** process whose tree's RSS and CPU are sampled; found from the URL's port when absent */
  pid?: number;
}

export interface Options {
  targets: Target[];
  user: string;
  project: string;
  domain: string;
  concurrency: number;
  issueSeconds: number;
  validateSeconds: number;
  warmupSeconds: number;
  /** before each measured phase, wait up to this many seconds for the machine to be idle */
  waitIdleSeconds: number;
  /** directory of the JSON result; default: the repository's .bench */
  out?: string;
}

export const USAGE = `usage: node tools/bench/dist/identity.js --target NAME=URL [--target NAME=URL ...] [options]

Measures token issue (POST /v3/auth/tokens, password method, project scope) and token validation
(GET /v3/auth/tokens with X-Auth-Token and X-Subject-Token) against each Keystone-v3 URL in turn.

  --target NAME=URL        a Keystone v3 endpoint (without /v3), e.g. kumo=http://127.0.0.1:5000
  --password PW            the user's password for every target
  --password-NAME PW       ... or for target NAME only
  --pid NAME=PID           process (tree) whose peak RSS and CPU are reported; default: the process
                           listening on the URL's port
  --user NAME              default admin (domain Default)
  --project NAME           default admin (domain Default)
  --domain ID              the user's and project's domain id, default "default"
  --concurrency N          requests in flight, default 8
  --duration S             seconds of each measured phase, default 20
  --issue-seconds S        ... of the issue phase only
  --validate-seconds S     ... of the validation phase only
  --warmup S               seconds of unmeasured warm-up before each phase, default 3
  --wait-idle S            before each phase, wait up to S seconds until the machine is < 15% busy
                           (on a shared machine other work skews the numbers), default 0
  --out DIR                where identity-<date>.json goes, default <repo>/.bench
`;

export class UsageError extends Error {}

/** A non-negative number (seconds) or, with `integer`, a positive integer; `fallback` when absent. */
export function positive(name: string, value: string | undefined, fallback: number, integer = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && (!Number.isInteger(n) || n < 1))) {
    throw new UsageError(
      `--${name} wants a ${integer ? 'positive integer' : 'number of seconds'}, not "${value}"`,
    );
  }
  return n;
}

/** Options by name (without the dashes), each with every value given, in order. */
export type Flags = Map<string, string[]>;

/**
 * Parses `--key value` and `--key=value`; repeated keys accumulate. Keys in `switches` take no
 * value (they read as "true"). Throws UsageError for --help, a stray argument or an unknown key.
 */
export function parseFlags(argv: readonly string[], known: RegExp, switches: readonly string[] = []): Flags {
  const kv: Flags = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') throw new UsageError('');
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    let key: string;
    let value: string | undefined;
    if (eq > 0) {
      key = arg.slice(2, eq);
      value = arg.slice(eq + 1);
    } else if (switches.includes(arg.slice(2))) {
      key = arg.slice(2);
      value = 'true';
    } else {
      key = arg.slice(2);
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${key} wants a value`);
    }
    kv.set(key, [...(kv.get(key) ?? []), value]);
  }
  for (const key of kv.keys()) if (!known.test(key)) throw new UsageError(`unknown option --${key}`);
  return kv;
}

/** `--pid NAME=PID` values by name. */
export function parsePids(values: readonly string[], option = 'pid'): Map<string, number> {
  const pids = new Map<string, number>();
  for (const p of values) {
    const m = /^([^=]+)=(\d+)$/.exec(p);
    if (!m) throw new UsageError(`--${option} wants NAME=PID, not "${p}"`);
    pids.set(m[1], Number(m[2]));
  }
  return pids;
}

/** Parses the identity benchmark's command line. Throws UsageError. */
export function parseArgs(argv: readonly string[]): Options {
  const kv = parseFlags(
    argv,
    /^(target|password(-.+)?|pid|user|project|domain|concurrency|duration|issue-seconds|validate-seconds|warmup|wait-idle|out)$/,
  );
  const one = (k: string): string | undefined => kv.get(k)?.at(-1);

  const pids = parsePids(kv.get('pid') ?? []);
  const targets = (kv.get('target') ?? []).map((t): Target => {
    const m = /^([A-Za-z0-9_.-]+)=(https?:\/\/.+)$/.exec(t);
    if (!m) throw new UsageError(`--target wants NAME=http://host:port, not "${t}"`);
    const name = m[1];
    const password = one(`password-${name}`) ?? one('password');
    if (password === undefined)
      throw new UsageError(`no password for ${name}: give --password or --password-${name}`);
    return { name, url: m[2].replace(/\/+$/, '').replace(/\/v3$/, ''), password, pid: pids.get(name) };
  });
  if (targets.length === 0) throw new UsageError('give at least one --target NAME=URL');
  const names = new Set(targets.map((t) => t.name));
  if (names.size !== targets.length) throw new UsageError('target names must be unique');
  for (const name of pids.keys())
    if (!names.has(name)) throw new UsageError(`--pid for unknown target ${name}`);

  const duration = positive('duration', one('duration'), 20);
  return {
    targets,
    user: one('user') ?? 'admin',
    project: one('project') ?? 'admin',
    domain: one('domain') ?? 'default',
    concurrency: positive('concurrency', one('concurrency'), 8, true),
    issueSeconds: positive('issue-seconds', one('issue-seconds'), duration),
    validateSeconds: positive('validate-seconds', one('validate-seconds'), duration),
    warmupSeconds: positive('warmup', one('warmup'), 3),
    waitIdleSeconds: positive('wait-idle', one('wait-idle'), 0),
    out: one('out'),
  };
}
