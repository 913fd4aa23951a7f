/**
 * The image benchmark: upload and download of one big image (1 GiB by default) through Kumo's image
 * API (`PUT`/`GET /v2/images/{id}/file`), in MB/s (10^6 bytes/s), with the image process's peak RSS
 * during each transfer, and the ceiling the store allows measured in the same run: for a file store,
 * the same bytes written (fsynced) and read as a file on the store's filesystem; for the object store,
 * the same bytes PUT and GET as one object through the object service's Swift API; and what hashing
 * alone allows (MD5 + SHA-512 on one thread), the bound for uploads that must verify every byte.
 *
 *   node tools/bench/dist/image.js --image-url http://127.0.0.1:9292 --store object|file
 *     [--size-mib 1024] [--pid PID] [--file-dir DIR] [--swift-url URL]
 * Credentials: OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME (an openrc).
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseFlags, positive, UsageError } from './args';
import { dropCache } from './disk-ceiling';
import { pidListeningOn, sampleRss } from './proc';

interface Flags {
  imageUrl: string;
  store: 'file' | 'object';
  sizeMiB: number;
  pid?: number;
  fileDir: string;
  swiftUrl?: string;
}

function flags(argv: string[]): Flags {
  const kv = parseFlags(argv, /^(image-url|store|size-mib|pid|file-dir|swift-url)$/);
  const get = (name: string) => kv.get(name)?.at(-1);
  const store = get('store') ?? 'object';
  if (store !== 'file' && store !== 'object') throw new UsageError('--store is file or object');
  return {
    imageUrl: get('image-url') ?? 'http://127.0.0.1:9292',
    store,
    sizeMiB: positive('size-mib', get('size-mib'), 1024, true),
    pid: get('pid') === undefined ? undefined : positive('pid', get('pid'), 0, true),
    fileDir: get('file-dir') ?? '.bench/image',
    swiftUrl: get('swift-url'),
  };
}

async function token(): Promise<{ token: string; swiftUrl?: string }> {
  const env = process.env;
  const res = await fetch(`${env.OS_AUTH_URL ?? 'http://127.0.0.1:5000/v3'}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: env.OS_USERNAME ?? 'admin', domain: { name: 'Default' }, password: env.OS_PASSWORD } } },
        scope: { project: { name: env.OS_PROJECT_NAME ?? 'admin', domain: { name: 'Default' } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`identity answered ${res.status}: source an openrc first`);
  const body = (await res.json()) as { token: { catalog: Array<{ type: string; endpoints: Array<{ interface: string; url: string }> }> } };
  const swiftUrl = body.token.catalog.find((s) => s.type === 'object-store')?.endpoints.find((e) => e.interface === 'public')?.url;
  return { token: res.headers.get('x-subject-token')!, swiftUrl };
}

const CHUNK = randomBytes(1 << 20);

/** Streams `bytes` of data (a random MiB repeated) as a request body; resolves with the status. */
function upload(url: string, method: string, headers: Record<string, string>, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, 'content-length': String(bytes) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const n = Math.min(CHUNK.length, bytes - sent);
        sent += n;
        if (!req.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** Reads a response body to the end; resolves with status and byte count. */
function download(url: string, headers: Record<string, string>): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

async function timed<T>(fn: () => Promise<T>, rssOf?: number): Promise<{ result: T; seconds: number; rssMiB: number }> {
  const stop = sampleRss(rssOf, 100);
  const t = performance.now();
  const result = await fn();
  return { result, seconds: (performance.now() - t) / 1000, rssMiB: stop() };
}

const mbps = (bytes: number, s: number) => Math.round((bytes / 1e6 / s) * 10) / 10;

async function fileCeiling(dir: string, bytes: number): Promise<{ write: number; read: number; readHow: string }> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'ceiling.bin');
  const w0 = performance.now();
  const fh = await open(path, 'w');
  for (let off = 0; off < bytes; off += CHUNK.length) await fh.write(CHUNK, 0, Math.min(CHUNK.length, bytes - off));
  await fh.sync();
  await fh.close();
  const write = mbps(bytes, (performance.now() - w0) / 1000);
  const readHow = await dropCache([path]);
  const r0 = performance.now();
  const rh = await open(path, 'r');
  const buf = Buffer.alloc(1 << 20);
  while ((await rh.read(buf, 0, buf.length, null)).bytesRead > 0);
  await rh.close();
  const read = mbps(bytes, (performance.now() - r0) / 1000);
  await rm(path, { force: true });
  return { write, read, readHow };
}

/** MB/s of one digest of `bytes` on this thread. */
function digestRate(algorithm: 'md5' | 'sha512', bytes: number): number {
  const h = createHash(algorithm);
  const t = performance.now();
  for (let off = 0; off < bytes; off += CHUNK.length) h.update(CHUNK.subarray(0, Math.min(CHUNK.length, bytes - off)));
  h.digest();
  return mbps(bytes, (performance.now() - t) / 1000);
}

/**
 * What verifying every byte costs on its own: MD5 and SHA-512 (Glance's checksum and os_hash_value).
 * With a thread per digest (the image service's `hash_threads: 2`) an upload cannot be faster than the
 * slower of the two (`twoThreads`); with both on one thread (`1`, the default on two cores), than both
 * in turn (`oneThread`).
 */
function hashCeiling(bytes: number): { twoThreads: number; oneThread: number; how: string } {
  const md5 = digestRate('md5', bytes);
  const sha512 = digestRate('sha512', bytes);
  return {
    twoThreads: Math.min(md5, sha512),
    oneThread: Math.round(1 / (1 / md5 + 1 / sha512)),
    how: `MD5 ${md5} MB/s and SHA-512 ${sha512} MB/s on a thread of this process: the slower of the two, or both in turn on one thread`,
  };
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const bytes = f.sizeMiB * 1024 * 1024;
  const auth = await token();
  const h = { 'x-auth-token': auth.token };
  const pid = f.pid ?? pidListeningOn(Number(new URL(f.imageUrl).port));
  const create = await fetch(`${f.imageUrl}/v2/images`, {
    method: 'POST',
    headers: { ...h, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `bench-${Date.now()}`, disk_format: 'raw', container_format: 'bare', visibility: 'private' }),
  });
  if (create.status !== 201) throw new Error(`image create answered ${create.status}: ${await create.text()}`);
  const id = ((await create.json()) as { id: string }).id;
  try {
    const up = await timed(() => upload(`${f.imageUrl}/v2/images/${id}/file`, 'PUT', { ...h, 'content-type': 'application/octet-stream' }, bytes), pid);
    if (up.result !== 204) throw new Error(`upload answered ${up.result}`);
    const down = await timed(() => download(`${f.imageUrl}/v2/images/${id}/file`, h), pid);
    if (down.result.status !== 200 || down.result.bytes !== bytes) throw new Error(`download answered ${down.result.status} with ${down.result.bytes} bytes`);
    let ceiling: { write: number; read: number; how: string };
    if (f.store === 'file') {
      const c = await fileCeiling(f.fileDir, bytes);
      ceiling = { write: c.write, read: c.read, how: `a file on ${f.fileDir}, fsynced; read after ${c.readHow}` };
    } else {
      const swift = f.swiftUrl ?? auth.swiftUrl;
      if (!swift) throw new Error('no object-store endpoint in the catalog (--swift-url)');
      await fetch(`${swift}/bench-ceiling`, { method: 'PUT', headers: h });
      const put = await timed(() => upload(`${swift}/bench-ceiling/one`, 'PUT', h, bytes));
      const get = await timed(() => download(`${swift}/bench-ceiling/one`, h));
      await fetch(`${swift}/bench-ceiling/one`, { method: 'DELETE', headers: h });
      await fetch(`${swift}/bench-ceiling`, { method: 'DELETE', headers: h });
      ceiling = { write: mbps(bytes, put.seconds), read: mbps(bytes, get.seconds), how: 'one object PUT and GET through the object service (3 replicas)' };
    }
    const result = {
      store: f.store,
      sizeMiB: f.sizeMiB,
      upload: { mbps: mbps(bytes, up.seconds), seconds: Math.round(up.seconds * 10) / 10, peakRssMiB: Math.round(up.rssMiB) },
      download: { mbps: mbps(bytes, down.seconds), seconds: Math.round(down.seconds * 10) / 10, peakRssMiB: Math.round(down.rssMiB) },
      ceiling,
      uploadShareOfCeiling: `${Math.round((mbps(bytes, up.seconds) / ceiling.write) * 100)}%`,
      hashCeiling: hashCeiling(bytes),
      downloadShareOfCeiling: `${Math.round((mbps(bytes, down.seconds) / ceiling.read) * 100)}%`,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await fetch(`${f.imageUrl}/v2/images/${id}`, { method: 'DELETE', headers: h });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`image bench: ${(err as Error).message}\n`);
  process.exit(1);
});
