/**
 * The image benchmark: upload and download of one big image (1 GiB by default) through image APIs
 * (Glance v2: `PUT`/`GET /v2/images/{id}/file`) - Kumo's image service and, in the same run, OpenStack
 * Glance - per store (file, object), in MB/s (10^6 bytes/s), with the server's peak RSS and CPU during
 * each transfer; and, in the same run, the ceilings: what hashing alone allows (MD5 + SHA-512, Glance's
 * checksum and os_hash_value, which every upload must compute), and what the store allows (a fsynced
 * file on the file stores' filesystem; one object PUT and GET through the object service).
 *
 *   node tools/bench/dist/image.js --target glance=http://127.0.0.1:9393 --target kumo=http://127.0.0.1:9292 \
 *     --store-url kumo:file=http://127.0.0.1:9293 --store-header glance:file=file --store-header glance:object=swift \
 *     --rounds 2
 * Credentials: OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME (an openrc).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { UsageError } from './args';
import { dropCache } from './disk-ceiling';
import { download, upload as uploadChunks } from './http-body';
import { IMAGE_USAGE, ImageOptions, ImageTarget, parseImageArgs } from './image-args';
import {
  HashCeiling,
  ImageRun,
  StoreCeiling,
  Transfer,
  combineCeilings,
  combineImageRuns,
  compare,
  comparisonTable,
  goals,
  steadyGoals,
  hashCeiling,
  mbps,
  runsTable,
} from './image-report';
import {
  cpuSeconds,
  machineTicks,
  pidListeningOn,
  processAlive,
  processTree,
  pssMiB,
  rssMiB,
  sampleRss,
} from './proc';
import { fixedObjectAuth, ObjectClient } from '@kumo/sdk';
import { hostInfo, writeResult } from './result-file';
import { Session, authenticate } from './swift-auth';
import { log, num, roundOrder, sleep, waitIdle } from './util';

const CHUNK = randomBytes(1 << 20);
/** Streams `bytes` of the upload's data (CHUNK repeated); resolves with the status. */
const upload = (url: string, method: string, headers: Record<string, string>, bytes: number) =>
  uploadChunks(url, method, headers, bytes, CHUNK);
const ATTEMPTS = 2;
const RETRY_WAIT_S = 30;

/** CPU seconds of each named group of processes whose processes are all alive (others are left out). */
const groupCpu = (groups: Map<string, number[]>) =>
  new Map(
    [...groups]
      .filter(([, pids]) => pids.length > 0 && pids.every(processAlive))
      .map(([name, pids]) => [name, cpuSeconds(pids)]),
  );

/**
 * Runs `fn` while sampling the server tree's RSS and CPU and the machine's load, and the CPU of the
 * object service's processes (`objectPids`, object store only).
 */
async function measured<T>(
  fn: () => Promise<T>,
  bytes: number,
  pid?: number,
  objectPids: Map<string, number[]> = new Map(),
): Promise<{ result: T; transfer: Transfer }> {
  const tree = pid ? processTree(pid) : [];
  const stop = sampleRss(pid, 100);
  const cpu0 = tree.length ? cpuSeconds(tree) : 0;
  const object0 = groupCpu(objectPids);
  const m0 = machineTicks();
  const t = performance.now();
  const result = await fn();
  const seconds = (performance.now() - t) / 1000;
  const m1 = machineTicks();
  const peak = stop();
  const object1 = groupCpu(objectPids);
  // a group with a process gone (restarted) at either end is left out: its figure would be wrong
  const objectServiceCpu = Object.fromEntries(
    [...object1]
      .filter(([name, c]) => object0.has(name) && c >= object0.get(name)!)
      .map(([name, c]) => [name, Math.round((c - (object0.get(name) ?? 0)) * 100) / 100]),
  );
  return {
    result,
    transfer: {
      mbPerSecond: mbps(bytes, seconds),
      seconds: Math.round(seconds * 10) / 10,
      // 0: the process was gone (restarted) - unknown, not small
      peakRssMiB: Number.isFinite(peak) && peak > 0 ? Math.round(peak) : null,
      cpuSeconds: tree.length
        ? Math.round((cpuSeconds(pid ? processTree(pid) : tree) - cpu0) * 10) / 10
        : null,
      ...(objectPids.size ? { objectServiceCpu } : {}),
      machineBusy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total),
    },
  };
}

async function fileCeiling(dir: string, bytes: number): Promise<StoreCeiling> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'ceiling.bin');
  const w0 = performance.now();
  const fh = await open(path, 'w');
  for (let off = 0; off < bytes; off += CHUNK.length)
    await fh.write(CHUNK, 0, Math.min(CHUNK.length, bytes - off));
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
  return { store: 'file', write, read, how: `a file on ${dir}, fsynced; read after ${readHow}` };
}

/**
 * One object of `bytes` PUT and GET through the object service (@kumo/sdk's ObjectClient, the client
 * the image service uses), in a container of its own, the PUT's ETag checked against `md5`.
 */
async function objectCeiling(objects: ObjectClient, bytes: number, md5: string): Promise<StoreCeiling> {
  const container = `bench-ceiling-${Date.now()}`;
  await objects.createContainer(container);
  try {
    const put = await measured(async () => {
      const up = await objects.startPut(container, 'one', { contentLength: bytes });
      for (let off = 0; off < bytes; off += CHUNK.length) {
        const n = Math.min(CHUNK.length, bytes - off);
        if (!up.body.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) await up.drained();
      }
      up.body.end();
      return (await up.done).etag;
    }, bytes);
    if (put.result !== md5) throw new Error(`object ceiling: the PUT's ETag is ${put.result}, not ${md5}`);
    const get = await measured(async () => {
      const got = await objects.getObject(container, 'one');
      let n = 0;
      for await (const c of got.body) n += (c as Buffer).length;
      return n;
    }, bytes);
    if (get.result !== bytes)
      throw new Error(`object ceiling: the GET gave ${get.result} bytes, not ${bytes}`);
    return {
      store: 'object',
      write: put.transfer.mbPerSecond,
      read: get.transfer.mbPerSecond,
      how: 'one object PUT and GET through the object service (3 replicas)',
    };
  } finally {
    await objects.deleteObject(container, 'one', { missingOk: true }).catch(() => undefined);
    await objects.deleteContainer(container, { missingOk: true }).catch(() => undefined);
  }
}

/** MD5 (hex) and MB/s of one digest of `bytes` of the upload's data on this thread. */
function digest(algorithm: 'md5' | 'sha512', bytes: number): { hex: string; mbps: number } {
  const h = createHash(algorithm);
  const t = performance.now();
  for (let off = 0; off < bytes; off += CHUNK.length)
    h.update(CHUNK.subarray(0, Math.min(CHUNK.length, bytes - off)));
  const hex = h.digest('hex');
  return { hex, mbps: mbps(bytes, (performance.now() - t) / 1000) };
}

/** One service and store: create an image, upload, check its checksum, download, delete it. */
async function runTarget(
  t: ImageTarget,
  a: ImageOptions,
  token: string,
  md5: string,
  round: number,
): Promise<ImageRun> {
  const bytes = a.sizeMiB * 2 ** 20;
  // a given pid that is gone (the service was restarted since) gives way to whoever listens now
  const pid =
    t.pid !== undefined && processAlive(t.pid) ? t.pid : pidListeningOn(Number(new URL(t.url).port || 80));
  const run: ImageRun = {
    target: t.name,
    store: t.store,
    round,
    url: t.url,
    pid: pid ?? null,
    processes: pid ? processTree(pid).length : null,
    rssAfterMiB: null,
    pssAfterMiB: null,
  };
  const h = { 'x-auth-token': token };
  const objectPids = t.store === 'object' ? a.objectPids : new Map<string, number[]>();
  let id: string | undefined;
  try {
    const create = await fetch(`${t.url}/v2/images`, {
      method: 'POST',
      headers: { ...h, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `bench-${Date.now()}`,
        disk_format: 'raw',
        container_format: 'bare',
        visibility: 'private',
      }),
    });
    if (create.status !== 201)
      throw new Error(`image create answered ${create.status}: ${(await create.text()).slice(0, 200)}`);
    id = ((await create.json()) as { id: string }).id;
    const file = `${t.url}/v2/images/${id}/file`;
    const storeHeader: Record<string, string> = t.storeHeader ? { 'x-image-meta-store': t.storeHeader } : {};
    const up = await measured(
      () => upload(file, 'PUT', { ...h, ...storeHeader, 'content-type': 'application/octet-stream' }, bytes),
      bytes,
      pid,
      objectPids,
    );
    if (up.result !== 204) throw new Error(`upload answered ${up.result}`);
    run.upload = up.transfer;
    const show = await fetch(`${t.url}/v2/images/${id}`, { headers: h });
    if (show.status !== 200)
      throw new Error(
        `image show after the upload answered ${show.status}: ${(await show.text()).slice(0, 200)}`,
      );
    const meta = (await show.json()) as {
      status?: string;
      checksum?: string;
      size?: number;
    };
    if (meta.status !== 'active' || meta.checksum !== md5 || meta.size !== bytes)
      throw new Error(
        `after the upload the image is ${meta.status}, ${meta.size} bytes, checksum ${meta.checksum} (sent ${bytes} bytes, MD5 ${md5})`,
      );
    const down = await measured(() => download(file, h), bytes, pid, objectPids);
    if (down.result.status !== 200 || down.result.bytes !== bytes)
      throw new Error(`download answered ${down.result.status} with ${down.result.bytes} bytes`);
    run.download = down.transfer;
  } catch (err) {
    run.failure = (err as Error).message;
  } finally {
    if (id) await fetch(`${t.url}/v2/images/${id}`, { method: 'DELETE', headers: h }).catch(() => undefined);
  }
  if (pid) {
    await sleep(a.settleSeconds * 1000);
    const tree = processTree(pid);
    const rss = rssMiB(tree);
    run.rssAfterMiB = rss > 0 ? Math.round(rss) : null;
    const pss = pssMiB(tree);
    run.pssAfterMiB = Number.isFinite(pss) ? Math.round(pss) : null;
  }
  return run;
}

const objectCpuText = (c?: Record<string, number>) =>
  c && Object.keys(c).length
    ? ` (object service CPU ${Object.entries(c)
        .map(([k, v]) => `${k} ${num(v)} s`)
        .join(', ')})`
    : '';
const transferLine = (t?: Transfer) =>
  t
    ? `${num(t.mbPerSecond)} MB/s, peak RSS ${num(t.peakRssMiB, 0)} MiB, CPU ${num(t.cpuSeconds)} s${objectCpuText(t.objectServiceCpu)}`
    : 'none';

async function main(): Promise<void> {
  let a: ImageOptions;
  try {
    a = parseImageArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) console.error(`image bench: ${err.message}\n`);
    console.error(IMAGE_USAGE);
    process.exit(err.message ? 2 : 0);
  }
  const load0 = loadavg();
  const bytes = a.sizeMiB * 2 ** 20;
  const env = process.env;
  const session: Session = await authenticate({
    name: 'openrc',
    url: (env.OS_AUTH_URL ?? 'http://127.0.0.1:5000/v3').replace(/\/+$/, ''),
    auth: {
      kind: 'keystone',
      user: env.OS_USERNAME ?? 'admin',
      password: env.OS_PASSWORD ?? '',
      project: env.OS_PROJECT_NAME ?? 'admin',
      domain: env.OS_USER_DOMAIN_NAME ?? 'Default',
    },
    storagePids: [],
  });
  const objects = new ObjectClient(fixedObjectAuth(a.swiftUrl ?? session.storageUrl, session.token));
  log(
    `image bench: ${a.sizeMiB} MiB, ${a.targets.map((t) => `${t.name}:${t.store}=${t.url}${t.storeHeader ? ` (store ${t.storeHeader})` : ''}`).join(', ')}; ${a.rounds} round(s); load average ${load0.map((l) => l.toFixed(2)).join(' ')}`,
  );

  const md5 = digest('md5', bytes);
  const sha512 = digest('sha512', bytes);
  const hash: HashCeiling = hashCeiling(md5.mbps, sha512.mbps);
  log(
    `  hashing: MD5 ${hash.md5} MB/s, SHA-512 ${hash.sha512} MB/s on one thread: both in turn ${hash.oneThread} MB/s`,
  );

  const all: ImageRun[] = [];
  const ceilings: Array<StoreCeiling & { round: number }> = [];
  for (let round = 1; round <= a.rounds; round++) {
    if (a.rounds > 1) log(`round ${round} of ${a.rounds}`);
    for (const store of a.stores) {
      for (const t of roundOrder(
        a.targets.filter((x) => x.store === store),
        round - 1,
      )) {
        let r: ImageRun | undefined;
        for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
          await waitIdle(a.waitIdleSeconds);
          r = await runTarget(t, a, session.token, md5.hex, round);
          if (!r.failure || attempt === ATTEMPTS) break;
          log(`  ${t.name} ${store}: ${r.failure}; trying again in ${RETRY_WAIT_S} s`);
          await sleep(RETRY_WAIT_S * 1000);
        }
        all.push(r!);
        log(
          `  ${t.name} ${store}: up ${transferLine(r!.upload)}; down ${transferLine(r!.download)}${r!.failure ? `; FAILED: ${r!.failure}` : ''}`,
        );
      }
      try {
        await waitIdle(a.waitIdleSeconds);
        const c =
          store === 'file'
            ? await fileCeiling(a.fileDir, bytes)
            : await objectCeiling(objects, bytes, md5.hex);
        ceilings.push({ ...c, round });
        log(`  ${store} ceiling: write ${num(c.write)} MB/s, read ${num(c.read)} MB/s (${c.how})`);
      } catch (err) {
        log(`  ${store} ceiling FAILED: ${(err as Error).message}`);
      }
    }
  }

  const runs = a.targets.map((t) =>
    combineImageRuns(all.filter((r) => r.target === t.name && r.store === t.store)),
  );
  const mean = combineCeilings(ceilings);
  const cores = cpus().length;
  const cs = compare(runs, mean, hash, cores);
  const gs = [...goals(cs), ...steadyGoals(runs)];

  console.log('');
  console.log(runsTable(all, ceilings));
  console.log(
    `\nmeans over ${a.rounds} round(s), ${a.sizeMiB} MiB; hash bound ${cs[0]?.hashBound ?? hash.oneThread} MB/s (${cores <= 2 ? 'MD5 and SHA-512 in turn on one thread' : 'a thread per digest'}, ${cores} cores)`,
  );
  console.log(comparisonTable(cs));
  const after = runs
    .map(
      (r) =>
        `${r.target} ${r.store} ${num(r.rssAfterMiB, 0)} MiB (PSS ${num(r.pssAfterMiB, 0)}, ${r.processes ?? '?'} processes)`,
    )
    .join(', ');
  console.log(
    `steady RSS after load (${a.settleSeconds} s after the last transfer, highest of the rounds): ${after}`,
  );
  for (const r of runs) if (r.failure) console.log(`${r.target} ${r.store} FAILED: ${r.failure}`);
  if (gs.length) {
    console.log('\nkumo goals:');
    for (const g of gs)
      console.log(
        `  ${g.ok === null ? '   -' : g.ok ? '  ok' : 'MISS'}  ${g.goal}: ${g.value}${g.note ? ` (${g.note})` : ''}`,
      );
  }

  const date = new Date();
  const file = writeResult(
    'image',
    date,
    {
      benchmark: 'image',
      date: date.toISOString(),
      units: {
        mbPerSecond: '10^6 bytes of image data per second',
        rss: 'MiB',
        cpu: 'CPU seconds of the server process tree per transfer',
      },
      host: hostInfo(load0),
      options: a,
      hashCeiling: {
        ...hash,
        how: 'MD5 and SHA-512 of the image data on one thread of the load generator; oneThread: both in turn',
      },
      ceilings: mean,
      comparisons: cs,
      goals: gs,
      results: runs,
      attempts: all,
      ceilingsByRound: ceilings,
    },
    a.out,
  );
  console.log(`\nresults: ${file}`);
  objects.close();
  if (all.some((r) => r.failure)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`image bench: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
