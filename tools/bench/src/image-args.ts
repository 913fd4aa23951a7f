/** Command line of the image benchmark (pure, so it is unit-tested). */
import { UsageError, parseFlags, positive } from './args';

export const STORES = ['file', 'object'] as const;
export type Store = (typeof STORES)[number];

/** One image API with one store: a (service, store) pair the benchmark uploads to and downloads from. */
export interface ImageTarget {
  /** the service: kumo, glance... */
  name: string;
  store: Store;
  /** the image API (Glance v2) base URL, without a trailing slash */
  url: string;
  /** X-Image-Meta-Store on the upload (Glance's multi-store backend id), when the URL serves several stores */
  storeHeader?: string;
  /** the process (tree) whose RSS and CPU are sampled; found from the URL's port when absent */
  pid?: number;
}

export interface ImageOptions {
  /** services in --target order */
  names: string[];
  stores: Store[];
  /** one per (service, store) */
  targets: ImageTarget[];
  sizeMiB: number;
  /** every transfer N times, the services' order reversed on every other round (glance kumo kumo glance) */
  rounds: number;
  /** directory on the file stores' filesystem for the file ceiling */
  fileDir: string;
  /** the object service's storage URL for the object ceiling; default: the catalog's */
  swiftUrl?: string;
  /** before each transfer, wait up to this many seconds for the machine to be idle */
  waitIdleSeconds: number;
  /** seconds after a service's last transfer before its RSS is read again ("after load") */
  settleSeconds: number;
  /**
   * the object service's processes (`--object-pid proxy=PID`, `--object-pid storage=PID` once per
   * node): their CPU during each object-store transfer, summed per name (they serve both services)
   */
  objectPids: Map<string, number[]>;
  out?: string;
}

export const IMAGE_USAGE = `usage: node tools/bench/dist/image.js --target NAME=URL [--target NAME=URL ...] [options]

Uploads (PUT /v2/images/{id}/file) and downloads one image of --size-mib through each image API
(Glance v2) and store, in MB/s (10^6 bytes/s), with the server's peak RSS and CPU meanwhile; and the
ceilings in the same run: MD5 + SHA-512 on one thread, a fsynced file (file store), one object PUT
and GET through the object service (object store). Credentials: OS_AUTH_URL, OS_USERNAME,
OS_PASSWORD, OS_PROJECT_NAME, OS_USER_DOMAIN_NAME (an openrc).

  --target NAME=URL            an image API, e.g. kumo=http://127.0.0.1:9292, glance=http://127.0.0.1:9393
  --stores LIST                file,object (default both)
  --store-url NAME:STORE=URL   NAME's STORE is served elsewhere (kumo:file=http://127.0.0.1:9293)
  --store-header NAME:STORE=V  send X-Image-Meta-Store: V with NAME's STORE uploads (glance:object=swift)
  --pid NAME[:STORE]=PID       the server process (tree) whose RSS and CPU are reported; default: the
                               process listening on the URL's port
  --object-pid NAME=PID        an object service process (proxy=PID, storage=PID once per node): its
                               CPU during each object-store transfer is reported, summed per NAME
  --size-mib N                 default 1024
  --rounds N                   every transfer N times, the order of the targets reversed on every
                               other round (2: glance kumo kumo glance); each reported as its mean;
                               default 1
  --file-dir DIR               the file ceiling's directory (the file stores' filesystem), default .bench/image
  --swift-url URL              storage URL for the object ceiling, default the catalog's object-store
  --wait-idle S                before each transfer, wait up to S s until the machine is < 15% busy
  --settle S                   seconds after a target's transfers before its steady RSS after load is
                               read, default 20 (Kumo's services settle after 6 s of quiet)
  --out DIR                    where image-<date>.json goes, default <repo>/.bench
`;

/** `NAME:STORE=VALUE` → [name, store, value]. */
function perStore(option: string, v: string): [string, Store, string] {
  const m = /^([A-Za-z0-9_.-]+):([a-z]+)=(.+)$/.exec(v);
  if (!m || !(STORES as readonly string[]).includes(m[2]))
    throw new UsageError(`--${option} wants NAME:STORE=VALUE with STORE file or object, not "${v}"`);
  return [m[1], m[2] as Store, m[3]];
}

const noSlash = (url: string) => url.replace(/\/+$/, '');

/** Parses the image benchmark's command line. Throws UsageError. */
export function parseImageArgs(argv: readonly string[]): ImageOptions {
  const kv = parseFlags(
    argv,
    /^(target|stores|store-url|store-header|pid|object-pid|size-mib|rounds|file-dir|swift-url|wait-idle|settle|out)$/,
  );
  const one = (k: string): string | undefined => kv.get(k)?.at(-1);

  const urls = new Map<string, string>();
  for (const t of kv.get('target') ?? []) {
    const m = /^([A-Za-z0-9_.-]+)=(https?:\/\/.+)$/.exec(t);
    if (!m) throw new UsageError(`--target wants NAME=http://host:port, not "${t}"`);
    if (urls.has(m[1])) throw new UsageError('target names must be unique');
    urls.set(m[1], noSlash(m[2]));
  }
  if (urls.size === 0) throw new UsageError('give at least one --target NAME=URL');

  const stores = [...new Set((one('stores') ?? 'file,object').split(',').map((s) => s.trim()))];
  for (const s of stores)
    if (!(STORES as readonly string[]).includes(s))
      throw new UsageError(`--stores takes file and/or object, not "${s}"`);

  const known = (option: string, name: string) => {
    if (!urls.has(name)) throw new UsageError(`--${option} for unknown target ${name}`);
  };
  const storeUrl = new Map<string, string>();
  for (const v of kv.get('store-url') ?? []) {
    const [name, store, url] = perStore('store-url', v);
    known('store-url', name);
    if (!/^https?:\/\//.test(url)) throw new UsageError(`--store-url wants a URL, not "${url}"`);
    storeUrl.set(`${name}:${store}`, noSlash(url));
  }
  const header = new Map<string, string>();
  for (const v of kv.get('store-header') ?? []) {
    const [name, store, value] = perStore('store-header', v);
    known('store-header', name);
    header.set(`${name}:${store}`, value);
  }
  const pids = new Map<string, number>();
  for (const v of kv.get('pid') ?? []) {
    const m = /^([A-Za-z0-9_.-]+)(?::([a-z]+))?=(\d+)$/.exec(v);
    if (!m || (m[2] !== undefined && !(STORES as readonly string[]).includes(m[2])))
      throw new UsageError(`--pid wants NAME=PID or NAME:STORE=PID, not "${v}"`);
    known('pid', m[1]);
    pids.set(m[2] ? `${m[1]}:${m[2]}` : m[1], Number(m[3]));
  }

  const objectPids = new Map<string, number[]>();
  for (const v of kv.get('object-pid') ?? []) {
    const m = /^([A-Za-z0-9_.-]+)=(\d+)$/.exec(v);
    if (!m) throw new UsageError(`--object-pid wants NAME=PID, not "${v}"`);
    objectPids.set(m[1], [...(objectPids.get(m[1]) ?? []), Number(m[2])]);
  }

  const targets: ImageTarget[] = [];
  for (const store of stores as Store[])
    for (const [name, url] of urls) {
      const key = `${name}:${store}`;
      targets.push({
        name,
        store,
        url: storeUrl.get(key) ?? url,
        storeHeader: header.get(key),
        pid: pids.get(key) ?? pids.get(name),
      });
    }

  return {
    names: [...urls.keys()],
    stores: stores as Store[],
    targets,
    sizeMiB: positive('size-mib', one('size-mib'), 1024, true),
    rounds: positive('rounds', one('rounds'), 1, true),
    fileDir: one('file-dir') ?? '.bench/image',
    swiftUrl: one('swift-url') === undefined ? undefined : noSlash(one('swift-url')!),
    waitIdleSeconds: positive('wait-idle', one('wait-idle'), 0),
    settleSeconds: positive('settle', one('settle'), 20),
    objectPids,
    out: one('out'),
  };
}
