/** Command line of the object benchmark (pure, so it is unit-tested). */
import { UsageError, parseFlags, parsePids, positive } from './args';

/** How a target's URL is turned into a storage URL and a token. */
export type Auth =
  /** the URL is the storage URL (…/v1/AUTH_x); the token is given */
  | { kind: 'token'; token: string }
  /** Swift's tempauth (or swauth): GET …/auth/v1.0 with X-Auth-User / X-Auth-Key */
  | { kind: 'tempauth'; user: string; key: string }
  /** Keystone v3 password auth, project scope; the storage URL is the catalog's object-store endpoint */
  | { kind: 'keystone'; user: string; password: string; project: string; domain: string; region?: string };

export interface ObjectTarget {
  name: string;
  /** storage URL, tempauth URL (…/auth/v1.0) or Keystone URL (…/v3), without a trailing slash */
  url: string;
  auth: Auth;
  /** the proxy process (tree) whose RSS and CPU are sampled; found from the port when absent */
  pid?: number;
  /** storage server processes (trees) whose CPU and RSS are reported alongside */
  storagePids: number[];
}

export interface ObjectOptions {
  targets: ObjectTarget[];
  small: { count: number; size: number; concurrency: number };
  large: { count: number; size: number; concurrency: number };
  /** MD5 of every large GET body in the load generator (costs ~0.5 core at 300 MB/s) */
  verifyMd5: boolean;
  /** which phase groups run against the targets */
  phases: { small: boolean; large: boolean };
  /** a directory on the devices' filesystem for the three-way-write disk ceiling; none: skipped */
  diskDir?: string;
  /** attempts per target when it fails or loses connections (Kumo restarting), and the pause */
  retries: number;
  /** how many times every target is measured, the order of the targets reversed on every other round */
  rounds: number;
  retryWaitSeconds: number;
  waitIdleSeconds: number;
  /** seconds after a target's last request before its "steady RSS after load" is read */
  settleSeconds: number;
  out?: string;
}

export const OBJECT_USAGE = `usage: node tools/bench/dist/object.js --target NAME=URL [--target NAME=URL ...] [options]

Measures, against each Swift-v1 target in turn, in a fresh container: PUT, GET and DELETE of small
objects (ops/s, p50/p99) and PUT and GET of large objects (MB/s = 10^6 bytes/s, p50/p99), with the
proxy's peak RSS and CPU; optionally the disk's ceiling for three-way writes (--disk-dir).

  --target NAME=URL        URL is one of
                             a storage URL  http://127.0.0.1:8080/v1/AUTH_x   (with --token-NAME)
                             a tempauth URL http://127.0.0.1:7080/auth/v1.0   (--user-NAME a:u --key-NAME K)
                             a Keystone URL http://127.0.0.1:5000/v3          (--user-NAME --key-NAME PASSWORD
                                            [--project-NAME admin --domain-NAME Default --region-NAME R];
                                            the storage URL is the catalog's public object-store endpoint)
  --token[-NAME] T, --user[-NAME] U, --key[-NAME] K, --project[-NAME] P, --domain[-NAME] D, --region[-NAME] R
                           credentials for every target, or for target NAME only
  --pid NAME=PID           the proxy process (tree) whose peak RSS and CPU are reported; default: the
                           process listening on the URL's port
  --storage-pid NAME=PID   a storage server process (tree) whose CPU/RSS is reported too; repeatable,
                           or PID,PID,...
  --small-count N          small objects, default 2000
  --small-size BYTES       default 4096 (suffixes k, M: powers of 1024)
  --small-concurrency N    default 16
  --large-count N          large objects, default 40
  --large-size BYTES       default 16M
  --large-concurrency N    default 4
  --phases LIST            small,large (default both)
  --verify-md5             MD5 every large GET body (default: length and ETag header only)
  --disk-dir DIR           measure the disk ceiling in DIR/ceiling-{1,2,3} (same filesystem as the
                           devices): large-count x large-size objects written as 3 fsynced copies at
                           large-concurrency, then read back with the page cache dropped
  --rounds N               measure every target N times, in reverse order on every other round (2:
                           swift, kumo, kumo, swift), and report each target's mean: a machine
                           that slows down under sustained load then costs every target the same;
                           default 1
  --retries N              attempts per target that fails or loses connections, default 2
  --retry-wait S           seconds between attempts, default 60
  --wait-idle S            before each target, wait up to S seconds until the machine is < 15% busy
  --settle S               seconds after a target's last request before its proxy's and storage
                           servers' steady RSS after load is read, default 20
  --out DIR                where object-<date>.json goes, default <repo>/.bench
`;

/** "4096", "4k", "16M", "16MiB" → bytes (k/M/G are powers of 1024). */
export function parseSize(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const m = /^(\d+)\s*([kKmMgG]?)(i?[bB])?$/.exec(value.trim());
  if (!m) throw new UsageError(`--${name} wants a size in bytes (4096, 4k, 16M), not "${value}"`);
  const shift = { '': 0, k: 10, m: 20, g: 30 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Number(m[1]) * 2 ** shift;
  if (n < 1) throw new UsageError(`--${name} must be at least 1 byte`);
  return n;
}

/** Which auth a target URL implies: …/v1/… is a storage URL, …/auth/v1.0 tempauth, …/v3 Keystone. */
export function authKindOf(url: string): Auth['kind'] {
  const path = new URL(url).pathname.replace(/\/+$/, '');
  if (/\/v1\/[^/]+$/.test(path)) return 'token';
  if (/\/auth\/v1\.0$/.test(path) || /\/auth\/v1$/.test(path)) return 'tempauth';
  if (/\/v3$/.test(path)) return 'keystone';
  throw new UsageError(
    `cannot tell what ${url} is: give a storage URL (…/v1/AUTH_x), a tempauth URL (…/auth/v1.0) or a Keystone URL (…/v3)`,
  );
}

/** Parses the object benchmark's command line. Throws UsageError. */
export function parseObjectArgs(argv: readonly string[]): ObjectOptions {
  const kv = parseFlags(
    argv,
    /^(target|(token|user|key|project|domain|region)(-.+)?|pid|storage-pid|(small|large)-(count|size|concurrency)|phases|verify-md5|disk-dir|rounds|retries|retry-wait|wait-idle|settle|out)$/,
    ['verify-md5'],
  );
  const one = (k: string): string | undefined => kv.get(k)?.at(-1);
  const per = (k: string, name: string) => one(`${k}-${name}`) ?? one(k);

  const pids = parsePids(kv.get('pid') ?? []);
  const storage = new Map<string, number[]>();
  for (const v of kv.get('storage-pid') ?? []) {
    const m = /^([^=]+)=(\d+(?:,\d+)*)$/.exec(v);
    if (!m) throw new UsageError(`--storage-pid wants NAME=PID[,PID...], not "${v}"`);
    storage.set(m[1], [...(storage.get(m[1]) ?? []), ...m[2].split(',').map(Number)]);
  }

  const targets = (kv.get('target') ?? []).map((t): ObjectTarget => {
    const m = /^([A-Za-z0-9_.-]+)=(https?:\/\/.+)$/.exec(t);
    if (!m) throw new UsageError(`--target wants NAME=http://host:port/..., not "${t}"`);
    const [, name, raw] = m;
    const url = raw.replace(/\/+$/, '');
    const need = (k: string, what: string): string => {
      const v = per(k, name);
      if (v === undefined)
        throw new UsageError(`${name} (${url}) needs ${what}: give --${k} or --${k}-${name}`);
      return v;
    };
    let auth: Auth;
    switch (authKindOf(url)) {
      case 'token':
        auth = { kind: 'token', token: need('token', 'a token') };
        break;
      case 'tempauth':
        auth = { kind: 'tempauth', user: need('user', 'a user (account:user)'), key: need('key', 'a key') };
        break;
      case 'keystone':
        auth = {
          kind: 'keystone',
          user: need('user', 'a user name'),
          password: need('key', 'the password'),
          project: per('project', name) ?? 'admin',
          domain: per('domain', name) ?? 'Default',
          region: per('region', name),
        };
        break;
    }
    return { name, url, auth, pid: pids.get(name), storagePids: storage.get(name) ?? [] };
  });
  if (targets.length === 0) throw new UsageError('give at least one --target NAME=URL');
  const names = new Set(targets.map((t) => t.name));
  if (names.size !== targets.length) throw new UsageError('target names must be unique');
  for (const name of [...pids.keys(), ...storage.keys()])
    if (!names.has(name)) throw new UsageError(`--pid/--storage-pid for unknown target ${name}`);

  const phaseList = (one('phases') ?? 'small,large').split(',').map((p) => p.trim());
  for (const p of phaseList)
    if (p !== 'small' && p !== 'large') throw new UsageError(`--phases takes small and/or large, not "${p}"`);

  return {
    targets,
    small: {
      count: positive('small-count', one('small-count'), 2000, true),
      size: parseSize('small-size', one('small-size'), 4096),
      concurrency: positive('small-concurrency', one('small-concurrency'), 16, true),
    },
    large: {
      count: positive('large-count', one('large-count'), 40, true),
      size: parseSize('large-size', one('large-size'), 16 * 2 ** 20),
      concurrency: positive('large-concurrency', one('large-concurrency'), 4, true),
    },
    verifyMd5: one('verify-md5') === 'true',
    phases: { small: phaseList.includes('small'), large: phaseList.includes('large') },
    diskDir: one('disk-dir'),
    retries: positive('retries', one('retries'), 2, true),
    rounds: positive('rounds', one('rounds'), 1, true),
    retryWaitSeconds: positive('retry-wait', one('retry-wait'), 60),
    waitIdleSeconds: positive('wait-idle', one('wait-idle'), 0),
    settleSeconds: positive('settle', one('settle'), 20),
    out: one('out'),
  };
}
