#!/usr/bin/env node
/**
 * Object benchmark: small-object PUT/GET/DELETE rates and large-object PUT/GET throughput against
 * one or more Swift-v1 APIs - Kumo's object proxy and, in the same run, OpenStack Swift - with the
 * proxy's peak RSS and CPU, and the disk's own ceiling for three-way writes.
 *
 *   node tools/bench/dist/object.js --target swift=http://127.0.0.1:7080/auth/v1.0 \
 *     --user-swift admin:admin --key-swift K \
 *     --target kumo=http://127.0.0.1:5000/v3 --user-kumo admin --key-kumo PW --disk-dir .bench
 *
 * Per target, in a fresh container: (1) small PUT of --small-count random bodies of --small-size at
 * --small-concurrency, (2) small GET of the same objects (bodies compared), (3) small DELETE;
 * (4) large PUT of --large-count bodies of --large-size at --large-concurrency, sent from memory,
 * (5) large GET (length and ETag checked; MD5 with --verify-md5). A few unmeasured requests warm
 * each group up. Targets run one after the other; the load generator is one Node process with an
 * undici Pool of keep-alive connections, no pipelining.
 */
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { UsageError } from './args';
import { diskCeiling } from './disk-ceiling';
import { OBJECT_USAGE, ObjectOptions, ObjectTarget, parseObjectArgs } from './object-args';
import {
  DiskCeiling,
  OpPhase,
  PhaseName,
  TargetRun,
  combineRuns,
  goals,
  pair,
  ratios,
  table,
} from './object-report';
import { cpuSeconds, machineTicks, pidListeningOn, processTree, sampleRss } from './proc';
import { summarise } from './stats';
import { Session, authenticate } from './swift-auth';
import { CONNECTION_ERROR, OpError, RawPhase, runOps } from './ops';
import { hostInfo, writeResult } from './result-file';
import { steadyLine, steadyProcesses, steadyRss } from './steady-rss';
import { log, num, roundOrder, sleep, waitIdle } from './util';

// the disk ceiling writes 3 copies x concurrency files at once through libuv's pool (default 4)
process.env.UV_THREADPOOL_SIZE ??= '16';

interface Bodies {
  bufs: Buffer[];
  md5: string[];
}

function makeBodies(count: number, size: number): Bodies {
  const bufs = Array.from({ length: count }, () => randomFillSync(Buffer.allocUnsafe(size)));
  return { bufs, md5: bufs.map((b) => createHash('md5').update(b).digest('hex')) };
}

interface Processes {
  proxy?: number;
  storage: number[];
}

/** A measured phase: the op's rate and latency plus the proxy's (and storage's) CPU and RSS meanwhile. */
async function measure(p: Processes, work: () => Promise<RawPhase>): Promise<OpPhase> {
  const proxyTree = p.proxy ? processTree(p.proxy) : [];
  const storageTree = p.storage.flatMap((s) => processTree(s));
  const stopProxyRss = sampleRss(p.proxy);
  const stopStorageRss = sampleRss(p.storage);
  const proxyCpu0 = cpuSeconds(proxyTree);
  const storageCpu0 = cpuSeconds(storageTree);
  const bench0 = process.cpuUsage();
  const machine0 = machineTicks();
  const raw = await work();
  const bench = process.cpuUsage(bench0);
  const machine1 = machineTicks();
  const proxyRss = stopProxyRss();
  const storageRss = stopStorageRss();
  // trees taken again: the CPU of workers that exited meanwhile is lost (Swift's do not)
  const proxyCpu = p.proxy ? cpuSeconds(processTree(p.proxy)) - proxyCpu0 : NaN;
  const storageCpu = p.storage.length
    ? cpuSeconds(p.storage.flatMap((s) => processTree(s))) - storageCpu0
    : NaN;
  const stats = summarise(raw.latencies, raw.errors, raw.seconds);
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    ...stats,
    bytes: raw.bytes,
    mbPerSecond: raw.seconds > 0 ? raw.bytes / raw.seconds / 1e6 : 0,
    proxyCpuCores: finite(proxyCpu / stats.seconds),
    proxyCpuMsPerOp: stats.requests ? finite((proxyCpu * 1000) / stats.requests) : null,
    storageCpuCores: finite(storageCpu / stats.seconds),
    benchCpuCores: (bench.user + bench.system) / 1e6 / stats.seconds,
    machineBusy: (machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total),
    proxyPeakRssMiB: finite(proxyRss),
    storagePeakRssMiB: finite(storageRss),
  };
}

const etagOf = (h: string | string[] | undefined) => String(h ?? '').replace(/"/g, '');

/** The requests of one target, bound to its storage URL, token and container. */
class SwiftClient {
  readonly pool: Pool;
  private readonly base: string;

  constructor(
    session: Session,
    readonly container: string,
    connections: number,
    private readonly verifyMd5: boolean,
  ) {
    const u = new URL(session.storageUrl);
    this.pool = new Pool(u.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
    this.base = u.pathname.replace(/\/+$/, '');
    this.headers = { 'x-auth-token': session.token };
  }

  private readonly headers: Record<string, string>;

  private path(name?: string): string {
    return `${this.base}/${encodeURIComponent(this.container)}${name ? `/${name}` : ''}`;
  }

  private async expect(method: string, status: number, ok: number[]): Promise<void> {
    if (!ok.includes(status)) throw new OpError(`${method} HTTP ${status}`);
  }

  async putContainer(): Promise<void> {
    const res = await this.pool.request({ method: 'PUT', path: this.path(), headers: this.headers });
    await res.body.dump();
    await this.expect('PUT container', res.statusCode, [201, 202]);
  }

  async deleteContainer(): Promise<number> {
    const res = await this.pool.request({ method: 'DELETE', path: this.path(), headers: this.headers });
    await res.body.dump();
    return res.statusCode;
  }

  async put(name: string, body: Buffer, md5: string): Promise<number> {
    const res = await this.pool.request({
      method: 'PUT',
      path: this.path(name),
      headers: { ...this.headers, 'content-type': 'application/octet-stream' },
      body,
    });
    await res.body.dump();
    await this.expect('PUT', res.statusCode, [201]);
    if (etagOf(res.headers.etag) !== md5) throw new OpError('PUT ETag mismatch');
    return body.length;
  }

  /** GET of a small object, its body compared byte for byte. */
  async getSmall(name: string, expected: Buffer, md5: string): Promise<number> {
    const res = await this.pool.request({ method: 'GET', path: this.path(name), headers: this.headers });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new OpError(`GET HTTP ${res.statusCode}`);
    }
    const got = Buffer.from(await res.body.arrayBuffer());
    if (got.length !== expected.length) throw new OpError('GET wrong length');
    if (!got.equals(expected)) throw new OpError('GET wrong bytes');
    if (etagOf(res.headers.etag) !== md5) throw new OpError('GET ETag mismatch');
    return expected.length;
  }

  /**
   * GET of a large object through undici's raw dispatch: the body is counted (and MD5-summed with
   * --verify-md5) chunk by chunk as it arrives, with no stream in between (a Readable's async
   * iterator costs the load generator several times the CPU, which it would take from the server).
   */
  getLarge(name: string, length: number, md5: string): Promise<number> {
    const hash = this.verifyMd5 ? createHash('md5') : undefined;
    return new Promise<number>((resolve, reject) => {
      let status = 0;
      let etag = '';
      let n = 0;
      this.pool.dispatch(
        { method: 'GET', path: this.path(name), headers: this.headers },
        {
          onConnect: () => undefined,
          onError: reject,
          onHeaders: (statusCode, headers) => {
            status = statusCode;
            for (let i = 0; i < headers.length; i += 2)
              if (headers[i].toString('latin1').toLowerCase() === 'etag')
                etag = etagOf(headers[i + 1].toString('latin1'));
            return true;
          },
          onData: (chunk) => {
            n += chunk.length;
            hash?.update(chunk);
            return true;
          },
          onComplete: () => {
            if (status !== 200) reject(new OpError(`GET HTTP ${status}`));
            else if (n !== length) reject(new OpError('GET wrong length'));
            else if (hash && hash.digest('hex') !== md5) reject(new OpError('GET MD5 mismatch'));
            else if (etag !== md5) reject(new OpError('GET ETag mismatch'));
            else resolve(n);
          },
        },
      );
    });
  }

  async delete(name: string, missingOk = false): Promise<number> {
    const res = await this.pool.request({ method: 'DELETE', path: this.path(name), headers: this.headers });
    await res.body.dump();
    await this.expect('DELETE', res.statusCode, missingOk ? [204, 404] : [204]);
    return 0;
  }
}

const smallName = (i: number) => `small/${String(i).padStart(5, '0')}`;
const largeName = (i: number) => `large/${String(i).padStart(3, '0')}`;
const WARM_SMALL = 32;

async function runTarget(
  t: ObjectTarget,
  a: ObjectOptions,
  small: Bodies,
  large: Bodies,
  attempt: number,
): Promise<TargetRun> {
  const run: TargetRun = {
    target: t.name,
    attempt,
    url: t.url,
    pid: t.pid ?? null,
    storagePids: t.storagePids,
    phases: {},
    proxyPeakRssMiB: null,
    errorKinds: {},
  };
  const errorKinds = new Map<string, number>();
  let client: SwiftClient | undefined;
  const done = { small: new Set<number>(), large: new Set<number>() }; // objects that may exist
  try {
    const session = await authenticate(t);
    run.storageUrl = session.storageUrl;
    let pid = t.pid;
    if (!pid) {
      const u = new URL(session.storageUrl);
      if (['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname))
        pid = pidListeningOn(Number(u.port || 80));
      if (!pid)
        log(`  ${t.name}: no --pid and no local process listening on ${u.host}: proxy RSS/CPU not reported`);
    }
    run.pid = pid ?? null;
    const procs: Processes = { proxy: pid, storage: t.storagePids };
    const container = `bench-${new Date()
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14)}-${randomBytes(3).toString('hex')}`;
    run.container = container;
    client = new SwiftClient(
      session,
      container,
      Math.max(a.small.concurrency, a.large.concurrency),
      a.verifyMd5,
    );
    const c = client;
    await c.putContainer();
    log(
      `  ${t.name} (attempt ${attempt}): storage URL ${session.storageUrl}, container ${container}, proxy pid ${pid ?? '-'}`,
    );

    const phase = async (
      name: PhaseName,
      count: number,
      concurrency: number,
      op: (i: number) => Promise<number>,
    ) => {
      const started = performance.now();
      run.phases[name] = await measure(procs, () => runOps(count, concurrency, op, errorKinds));
      const p = run.phases[name]!;
      log(
        `  ${t.name}: ${name} ${p.requests}/${count} ok in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
          `${num(p.rate)} ops/s, ${num(p.mbPerSecond)} MB/s, p50 ${num(p.p50)} ms, p99 ${num(p.p99)} ms, ${p.errors} errors`,
      );
    };
    const ignore = new Map<string, number>(); // warm-up errors are not reported
    if (a.phases.small) {
      const warm = makeBodies(WARM_SMALL, a.small.size);
      await runOps(
        WARM_SMALL,
        a.small.concurrency,
        (i) => c.put(`warm/${i}`, warm.bufs[i], warm.md5[i]),
        ignore,
      );
      await runOps(
        WARM_SMALL,
        a.small.concurrency,
        (i) => c.getSmall(`warm/${i}`, warm.bufs[i], warm.md5[i]),
        ignore,
      );
      await runOps(WARM_SMALL, a.small.concurrency, (i) => c.delete(`warm/${i}`, true), ignore);
      await waitIdle(a.waitIdleSeconds);
      const s = a.small;
      await phase('smallPut', s.count, s.concurrency, (i) => {
        done.small.add(i);
        return c.put(smallName(i), small.bufs[i], small.md5[i]);
      });
      await phase('smallGet', s.count, s.concurrency, (i) =>
        c.getSmall(smallName(i), small.bufs[i], small.md5[i]),
      );
      await phase('smallDelete', s.count, s.concurrency, async (i) => {
        const n = await c.delete(smallName(i));
        done.small.delete(i);
        return n;
      });
    }
    if (a.phases.large) {
      const l = a.large;
      // a few rounds: the first large bodies cost Node (and Kumo) several times the CPU of later ones
      const warm = (i: number) => `warm/large-${i}`;
      await runOps(l.concurrency, l.concurrency, (i) => c.put(warm(i), large.bufs[i], large.md5[i]), ignore);
      for (let round = 0; round < 3; round++)
        await runOps(l.concurrency, l.concurrency, (i) => c.getLarge(warm(i), l.size, large.md5[i]), ignore);
      await runOps(l.concurrency, l.concurrency, (i) => c.delete(warm(i), true), ignore);
      await waitIdle(a.waitIdleSeconds);
      await phase('largePut', l.count, l.concurrency, (i) => {
        done.large.add(i);
        return c.put(largeName(i), large.bufs[i], large.md5[i]);
      });
      await phase('largeGet', l.count, l.concurrency, (i) => c.getLarge(largeName(i), l.size, large.md5[i]));
    }
    const peaks = Object.values(run.phases)
      .map((p) => p.proxyPeakRssMiB)
      .filter((x): x is number => x !== null);
    run.proxyPeakRssMiB = peaks.length ? Math.max(...peaks) : null;
  } catch (err) {
    run.failure = (err as Error).message;
    log(`  ${t.name}: FAILED: ${run.failure}`);
  } finally {
    run.errorKinds = Object.fromEntries(errorKinds);
    if (client) {
      const c = client;
      const left = new Map<string, number>();
      const small = [...done.small];
      const large = [...done.large];
      await runOps(small.length, 8, (k) => c.delete(smallName(small[k]), true), left);
      await runOps(large.length, 4, (k) => c.delete(largeName(large[k]), true), left);
      const status = await c.deleteContainer().catch(() => 0);
      if (left.size || status !== 204)
        run.leftovers = `cleanup: ${[...left].map(([k, n]) => `${k} x${n}`).join(', ') || 'objects deleted'}; DELETE container ${status || 'failed'}`;
      await c.pool.close();
    }
    if (!run.failure)
      run.steadyRss = await steadyRss(steadyProcesses(run.pid, t.storagePids), a.settleSeconds);
  }
  return run;
}

/** Whether an attempt should be repeated: it failed, or connections were refused or cut. */
function needsRetry(r: TargetRun): boolean {
  return !!r.failure || Object.keys(r.errorKinds).some((k) => CONNECTION_ERROR.test(k));
}

async function main(): Promise<void> {
  let a: ObjectOptions;
  try {
    a = parseObjectArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) console.error(`object bench: ${err.message}\n`);
    console.error(OBJECT_USAGE);
    process.exit(err.message ? 2 : 0);
  }
  const load0 = loadavg();
  log(
    `object bench: ${a.targets.map((t) => `${t.name}=${t.url}`).join(', ')}; small ${a.small.count} x ${a.small.size} B ` +
      `at ${a.small.concurrency}, large ${a.large.count} x ${a.large.size} B at ${a.large.concurrency}; ` +
      `load average ${load0.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const smallBodies = makeBodies(a.phases.small ? a.small.count : 0, a.small.size);
  const largeBodies = makeBodies(a.phases.large || a.diskDir ? a.large.count : 0, a.large.size);

  const attempts: TargetRun[] = [];
  const measured = new Map<string, TargetRun[]>(a.targets.map((t) => [t.name, []]));
  // ABBA...: a target measured right after another's minutes of load finds a slower machine (on these
  // VMs a small PUT costs up to ~25% more CPU after two minutes at full load), so rounds alternate
  for (let round = 0; round < a.rounds; round++) {
    if (a.rounds > 1) log(`round ${round + 1} of ${a.rounds}`);
    for (const t of roundOrder(a.targets, round)) {
      let r: TargetRun | undefined;
      for (let attempt = 1; attempt <= a.retries; attempt++) {
        if (attempt > 1) {
          log(
            `  ${t.name}: ${r!.failure ?? 'connections refused or cut'}; trying again in ${a.retryWaitSeconds} s`,
          );
          await sleep(a.retryWaitSeconds * 1000);
        }
        await waitIdle(a.waitIdleSeconds);
        r = await runTarget(t, a, smallBodies, largeBodies, attempt);
        attempts.push(r);
        if (!needsRetry(r)) break;
      }
      measured.get(t.name)!.push(r!);
    }
  }
  const runs = a.targets.map((t) => combineRuns(measured.get(t.name)!));

  let ceiling: DiskCeiling | undefined;
  let ceilingFailure: string | undefined;
  if (a.diskDir) {
    log(
      `  disk ceiling in ${a.diskDir}: ${a.large.count} x ${a.large.size} B, 3 fsynced copies each, ${a.large.concurrency} at a time`,
    );
    try {
      await waitIdle(a.waitIdleSeconds);
      ceiling = await diskCeiling(resolve(a.diskDir), largeBodies.bufs, a.large.concurrency);
      log(
        `  disk: write x3 ${num(ceiling.write.mbPerSecond)} MB/s, read ${num(ceiling.read.mbPerSecond)} MB/s ` +
          `(${ceiling.cacheDrop}), page cache ${num(ceiling.readCached.mbPerSecond)} MB/s`,
      );
    } catch (err) {
      ceilingFailure = (err as Error).message;
      log(`  disk ceiling FAILED: ${ceilingFailure}`);
    }
  }

  console.log('');
  console.log(table(runs, ceiling));
  if (ceiling) console.log(`disk read: page cache ${ceiling.cacheDrop}`);
  const steady = runs.filter((r) => r.steadyRss?.length);
  if (steady.length) {
    console.log(
      `\nsteady RSS after load (${a.settleSeconds} s after a target's last request, highest of the rounds):`,
    );
    for (const r of steady) console.log(`  ${steadyLine(r.target, r.steadyRss!)}`);
  }
  for (const r of runs) {
    const kinds = Object.entries(r.errorKinds);
    if (kinds.length) console.log(`${r.target} errors: ${kinds.map(([k, n]) => `${k} x${n}`).join(', ')}`);
    if (r.leftovers) console.log(`${r.target} ${r.leftovers}`);
    if (r.attempt > 1)
      console.log(`${r.target}: measured on attempt ${r.attempt} (see "attempts" in the JSON)`);
  }
  const rs = ratios(runs);
  if (rs) {
    const parts = Object.entries(rs.rate).map(([k, v]) => `${k} x${num(v, 2)}`);
    const p99 = Object.entries(rs.p99).map(([k, v]) => `${k} x${num(v, 2)}`);
    console.log(`\n${rs.of}: ${parts.join(', ')}; proxy peak RSS x${num(rs.proxyPeakRss, 2)}`);
    console.log(`${rs.of} p99: ${p99.join(', ')}`);
  }
  const p = pair(runs);
  const kumo = runs.find((r) => r.target === 'kumo' && !r.failure);
  const swift = runs.find((r) => r.target === 'swift' && !r.failure);
  const gs = kumo ? goals(kumo, swift, ceiling) : [];
  if (gs.length) {
    console.log('\nkumo goals:');
    for (const g of gs)
      console.log(`  ${g.ok === null ? '  ?' : g.ok ? ' ok' : 'MISS'}  ${g.goal}: ${g.value}`);
  }

  const date = new Date();
  const result = {
    benchmark: 'object',
    date: date.toISOString(),
    units: {
      rate: 'successful ops/s',
      mbPerSecond: '10^6 bytes of object data per second',
      latency: 'ms',
      rss: 'MiB',
    },
    host: hostInfo(load0),
    options: {
      ...a,
      targets: a.targets.map(({ name, url, auth, pid, storagePids }) => ({
        name,
        url,
        auth: auth.kind,
        pid: pid ?? null,
        storagePids,
      })),
    },
    results: runs,
    attempts: attempts.length > runs.length ? attempts : undefined,
    diskCeiling: ceiling ?? (ceilingFailure ? { failure: ceilingFailure } : undefined),
    ratios: rs,
    pair: p ? `${p[0].target}/${p[1].target}` : null,
    goals: gs.length ? gs : undefined,
  };
  const file = writeResult('object', date, result, a.out);
  console.log(`\nresults: ${file}`);
  if (runs.some((r) => r.failure) || ceilingFailure) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(`object bench: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
