#!/usr/bin/env node
/**
 * Identity benchmark: token issue and token validation rates (requests/s, p50/p99 latency at a
 * fixed concurrency) against one or more Keystone-v3 APIs - Kumo's identity and, in the same run,
 * OpenStack Keystone - with the peak RSS and CPU use of each server's process tree.
 *
 *   node tools/bench/dist/identity.js --target kumo=http://127.0.0.1:5000 \
 *     --target keystone=http://127.0.0.1:35357 --password-kumo X --password-keystone Y \
 *     --user admin --project admin --duration 20 --concurrency 8
 *
 * Per target: warm-up, then (a) issue: POST /v3/auth/tokens (password, project scope) for
 * --duration seconds; (b) validate: GET /v3/auth/tokens with X-Auth-Token (a caller token) and
 * X-Subject-Token (another token), both issued beforehand. Targets run one after the other, so
 * they never compete with each other for the CPU; the load generator is one Node process with an
 * undici Pool of --concurrency keep-alive connections, no pipelining.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { Options, Target, USAGE, UsageError, parseArgs } from './args';
import { cpuSeconds, machineTicks, pidListeningOn, processTree, sampleRss } from './proc';
import { PhaseStats, ratio, summarise } from './stats';
import { hostInfo, writeResult } from './result-file';
import { formatTable, log, num, sleep, waitIdle } from './util';

interface PhaseReport extends PhaseStats {
  /** CPU cores the server's process tree used on average during the phase */
  serverCpuCores: number | null;
  /** server CPU milliseconds per successful request */
  serverCpuMsPerRequest: number | null;
  /** CPU cores this load generator used */
  benchCpuCores: number;
  /** fraction of the whole machine's CPU that was busy (everything: server, bench, others) */
  machineBusy: number;
  peakRssMiB: number | null;
}

interface TargetReport {
  target: string;
  url: string;
  pid: number | null;
  issue?: PhaseReport;
  validate?: PhaseReport;
  peakRssMiB: number | null;
  errorKinds: Record<string, number>;
  failure?: string;
}

type Op = () => Promise<number>;

/** Runs `op` in `concurrency` loops for `seconds`; non-2xx answers and exceptions are errors. */
async function runPhase(concurrency: number, seconds: number, op: Op, errorKinds: Map<string, number>) {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        let kind: string | undefined;
        try {
          const status = await op();
          if (status >= 200 && status < 300) latencies.push(performance.now() - t0);
          else kind = `HTTP ${status}`;
        } catch (err) {
          kind = (err as Error).message || String(err);
        }
        if (kind !== undefined) {
          errors++;
          errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
          if (kind.startsWith('connect') || kind.includes('ECONNREFUSED')) await sleep(100); // do not spin
        }
      }
    }),
  );
  return summarise(latencies, errors, (performance.now() - started) / 1000);
}

/** A measured phase: latency and rate, plus the server's RSS/CPU and the machine's load meanwhile. */
async function measure(t: Target, a: Options, seconds: number, op: Op, errorKinds: Map<string, number>) {
  const tree = t.pid ? processTree(t.pid) : [];
  const stopRss = sampleRss(t.pid);
  const serverCpu0 = t.pid ? cpuSeconds(tree) : 0;
  const bench0 = process.cpuUsage();
  const machine0 = machineTicks();
  const stats = await runPhase(a.concurrency, seconds, op, errorKinds);
  const bench = process.cpuUsage(bench0);
  const machine1 = machineTicks();
  const peakRssMiB = stopRss();
  const serverCpu = t.pid ? cpuSeconds(processTree(t.pid)) - serverCpu0 : NaN; // workers do not die mid-run
  const report: PhaseReport = {
    ...stats,
    serverCpuCores: Number.isFinite(serverCpu) ? serverCpu / stats.seconds : null,
    serverCpuMsPerRequest:
      Number.isFinite(serverCpu) && stats.requests ? (serverCpu * 1000) / stats.requests : null,
    benchCpuCores: (bench.user + bench.system) / 1e6 / stats.seconds,
    machineBusy: (machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total),
    peakRssMiB: Number.isFinite(peakRssMiB) ? peakRssMiB : null,
  };
  return report;
}

async function benchTarget(t: Target, a: Options): Promise<TargetReport> {
  const base = new URL(t.url);
  const prefix = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, { connections: a.concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const errorKinds = new Map<string, number>();
  const report: TargetReport = {
    target: t.name,
    url: t.url,
    pid: t.pid ?? null,
    peakRssMiB: null,
    errorKinds: {},
  };
  const body = JSON.stringify({
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: a.user, domain: { id: a.domain }, password: t.password } },
      },
      scope: { project: { name: a.project, domain: { id: a.domain } } },
    },
  });
  const issueOnce = async (): Promise<{ status: number; token?: string }> => {
    const res = await pool.request({
      method: 'POST',
      path: `${prefix}/v3/auth/tokens`,
      headers: { 'content-type': 'application/json' },
      body,
    });
    await res.body.dump();
    const token = res.headers['x-subject-token'];
    if (res.statusCode === 201 && typeof token !== 'string') throw new Error('201 without X-Subject-Token');
    return { status: res.statusCode, token: typeof token === 'string' ? token : undefined };
  };
  const issue: Op = async () => (await issueOnce()).status;

  try {
    const caller = await issueOnce();
    const subject = await issueOnce();
    if (!caller.token || !subject.token) {
      throw new Error(`cannot issue a token for ${a.user}/${a.project} (HTTP ${caller.status})`);
    }
    const headers = { 'x-auth-token': caller.token, 'x-subject-token': subject.token };
    const check = await pool.request({ method: 'GET', path: `${prefix}/v3/auth/tokens`, headers });
    const checked = (await check.body.json()) as { token?: { expires_at?: string } };
    if (check.statusCode !== 200 || !checked.token?.expires_at) {
      throw new Error(`cannot validate a token (HTTP ${check.statusCode})`);
    }
    const validate: Op = async () => {
      const res = await pool.request({ method: 'GET', path: `${prefix}/v3/auth/tokens`, headers });
      await res.body.dump();
      return res.statusCode;
    };

    const warm = new Map<string, number>(); // warm-up errors are not reported
    await waitIdle(a.waitIdleSeconds);
    log(`  ${t.name}: issue warm-up ${a.warmupSeconds} s, measuring ${a.issueSeconds} s`);
    await runPhase(a.concurrency, a.warmupSeconds, issue, warm);
    report.issue = await measure(t, a, a.issueSeconds, issue, errorKinds);
    await waitIdle(a.waitIdleSeconds);
    log(`  ${t.name}: validate warm-up ${a.warmupSeconds} s, measuring ${a.validateSeconds} s`);
    await runPhase(a.concurrency, a.warmupSeconds, validate, warm);
    report.validate = await measure(t, a, a.validateSeconds, validate, errorKinds);
    const peaks = [report.issue.peakRssMiB, report.validate.peakRssMiB].filter(
      (x): x is number => x !== null,
    );
    report.peakRssMiB = peaks.length ? Math.max(...peaks) : null;
  } catch (err) {
    report.failure = (err as Error).message;
    log(`  ${t.name}: FAILED: ${report.failure}`);
  } finally {
    report.errorKinds = Object.fromEntries(errorKinds);
    await pool.close();
  }
  return report;
}

function table(reports: TargetReport[]): string {
  const head = [
    'target',
    'phase',
    'req/s',
    'p50 ms',
    'p99 ms',
    'ok',
    'errors',
    'srv cores',
    'srv CPU ms/req',
    'bench cores',
    'machine busy',
    'peak RSS MiB',
  ];
  const rows: string[][] = [];
  for (const r of reports) {
    if (r.failure) {
      rows.push([r.target, 'FAILED', r.failure]);
      continue;
    }
    for (const phase of ['issue', 'validate'] as const) {
      const p = r[phase]!;
      rows.push([
        r.target,
        phase,
        num(p.rate),
        num(p.p50),
        num(p.p99),
        String(p.requests),
        String(p.errors),
        num(p.serverCpuCores, 2),
        num(p.serverCpuMsPerRequest, 2),
        num(p.benchCpuCores, 2),
        `${num(p.machineBusy * 100, 0)}%`,
        num(p.peakRssMiB),
      ]);
    }
  }
  return formatTable(head, rows);
}

function ratios(reports: TargetReport[]) {
  const ok = reports.filter((r) => !r.failure);
  const kumo = ok.find((r) => r.target === 'kumo');
  const keystone = ok.find((r) => r.target === 'keystone');
  const [x, y] = kumo && keystone ? [kumo, keystone] : ok.length === 2 ? ok : [];
  if (!x || !y) return null;
  return {
    of: `${x.target}/${y.target}`,
    issueRate: ratio(x.issue?.rate, y.issue?.rate),
    validateRate: ratio(x.validate?.rate, y.validate?.rate),
    issueP99: ratio(x.issue?.p99, y.issue?.p99),
    validateP99: ratio(x.validate?.p99, y.validate?.p99),
    peakRss: ratio(x.peakRssMiB ?? undefined, y.peakRssMiB ?? undefined),
  };
}

async function main(): Promise<void> {
  let a: Options;
  try {
    a = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) console.error(`identity bench: ${err.message}\n`);
    console.error(USAGE);
    process.exit(err.message ? 2 : 0);
  }
  for (const t of a.targets) {
    if (t.pid) continue;
    const url = new URL(t.url);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    if (['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) t.pid = pidListeningOn(port);
    if (!t.pid)
      log(`  ${t.name}: no --pid and no local process listening on port ${port}: RSS/CPU not reported`);
  }
  const load0 = loadavg();
  log(
    `identity bench: ${a.targets.map((t) => `${t.name}=${t.url}${t.pid ? ` (pid ${t.pid})` : ''}`).join(', ')}; ` +
      `concurrency ${a.concurrency}, ${a.issueSeconds} s issue + ${a.validateSeconds} s validate per target; load average ${load0.map((l) => l.toFixed(2)).join(' ')}`,
  );

  const reports: TargetReport[] = [];
  for (const t of a.targets) reports.push(await benchTarget(t, a));

  console.log('');
  console.log(table(reports));
  for (const r of reports) {
    const kinds = Object.entries(r.errorKinds);
    if (kinds.length) console.log(`${r.target} errors: ${kinds.map(([k, n]) => `${k} x${n}`).join(', ')}`);
  }
  const rs = ratios(reports);
  if (rs) {
    console.log(
      `\n${rs.of}: issue req/s x${num(rs.issueRate, 2)}, validate req/s x${num(rs.validateRate, 2)}, ` +
        `issue p99 x${num(rs.issueP99, 2)}, validate p99 x${num(rs.validateP99, 2)}, peak RSS x${num(rs.peakRss, 2)}`,
    );
  }

  const date = new Date();
  const result = {
    benchmark: 'identity',
    date: date.toISOString(),
    host: hostInfo(load0),
    options: { ...a, targets: a.targets.map(({ name, url, pid }) => ({ name, url, pid: pid ?? null })) },
    results: reports,
    ratios: rs,
  };
  const file = writeResult('identity', date, result, a.out);
  console.log(`\nresults: ${file}`);
  if (reports.some((r) => r.failure)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(`identity bench: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
