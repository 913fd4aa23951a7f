#!/usr/bin/env node
/**
 * Identity benchmark: token issue and token validation rates (requests/s, p50/p99 at a fixed
 * concurrency) against one or more Keystone-v3 APIs — Kumo's identity and, in the same run,
 * OpenStack Keystone — plus the peak RSS of each server's process tree.
 *
 *   node tools/bench/dist/identity.js --target kumo=http://127.0.0.1:5000 --pid kumo=1234 \
 *     --target keystone=http://127.0.0.1:35357 --user admin --password-kumo X --password-keystone Y
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { sampleRss } from './rss';
import { PhaseResult, summarise } from './stats';

interface Target {
  name: string;
  url: string;
  password: string;
  pid?: number;
}

interface Args {
  targets: Target[];
  user: string;
  project: string;
  concurrency: number;
  issueSeconds: number;
  validateSeconds: number;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const kv = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    kv.set(key, [...(kv.get(key) ?? []), argv[i + 1]]);
  }
  const one = (k: string, d?: string): string => {
    const v = kv.get(k)?.[0] ?? d;
    if (v === undefined) throw new Error(`missing --${k}`);
    return v;
  };
  const pids = new Map((kv.get('pid') ?? []).map((p) => p.split('=') as [string, string]));
  const targets = (kv.get('target') ?? []).map((t) => {
    const [name, url] = t.split(/=(.*)/s);
    return { name, url: url.replace(/\/+$/, ''), password: one(`password-${name}`, kv.get('password')?.[0]), pid: pids.has(name) ? Number(pids.get(name)) : undefined };
  });
  if (targets.length === 0) throw new Error('give at least one --target name=url');
  return {
    targets,
    user: one('user', 'admin'),
    project: one('project', 'admin'),
    concurrency: Number(one('concurrency', '8')),
    issueSeconds: Number(one('issue-seconds', '15')),
    validateSeconds: Number(one('validate-seconds', '15')),
    out: one('out', '.bench'),
  };
}

function authBody(user: string, password: string, project: string): string {
  return JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
      scope: { project: { name: project, domain: { id: 'default' } } },
    },
  });
}

async function issueOnce(pool: Pool, body: string): Promise<{ status: number; token?: string }> {
  const res = await pool.request({ method: 'POST', path: '/v3/auth/tokens', headers: { 'content-type': 'application/json' }, body });
  await res.body.dump();
  const token = res.headers['x-subject-token'];
  return { status: res.statusCode, token: typeof token === 'string' ? token : undefined };
}

/** Runs `op` with `concurrency` workers for `seconds`; counts non-2xx as errors. */
const errorKinds = new Map<string, number>();
const countError = (kind: string) => errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);

async function phase(concurrency: number, seconds: number, op: () => Promise<number>): Promise<PhaseResult> {
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const t0 = process.hrtime.bigint();
        try {
          const status = await op();
          if (status >= 200 && status < 300) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          else {
            errors++;
            countError(`HTTP ${status}`);
          }
        } catch (err) {
          errors++;
          countError((err as Error).message);
        }
      }
    }),
  );
  return summarise(latencies, errors, Number(process.hrtime.bigint() - started) / 1e9);
}

async function benchTarget(t: Target, a: Args): Promise<Record<string, unknown>> {
  const pool = new Pool(t.url, { connections: a.concurrency, pipelining: 1 });
  const body = authBody(a.user, t.password, a.project);
  const caller = await issueOnce(pool, body);
  const subject = await issueOnce(pool, body);
  if (caller.status !== 201 || !caller.token || !subject.token) throw new Error(`${t.name}: cannot issue a token (HTTP ${caller.status})`);
  const validate = async (): Promise<number> => {
    const res = await pool.request({ method: 'GET', path: '/v3/auth/tokens', headers: { 'x-auth-token': caller.token!, 'x-subject-token': subject.token! } });
    await res.body.dump();
    return res.statusCode;
  };
  // warm-up: caches, JIT, connection pools
  await phase(a.concurrency, 2, validate);
  await phase(2, 2, async () => (await issueOnce(pool, body)).status);

  const stopIssue = sampleRss(t.pid);
  const issue = await phase(a.concurrency, a.issueSeconds, async () => (await issueOnce(pool, body)).status);
  const issueRss = stopIssue();
  const stopValidate = sampleRss(t.pid);
  const validation = await phase(a.concurrency, a.validateSeconds, validate);
  const validateRss = stopValidate();
  await pool.close();
  return { target: t.name, url: t.url, issue, validate: validation, peakRssMiB: Math.max(issueRss, validateRss) };
}

function fmt(r: PhaseResult): string {
  return `${r.rate.toFixed(1).padStart(8)} req/s  p50 ${r.p50.toFixed(1).padStart(7)} ms  p99 ${r.p99.toFixed(1).padStart(7)} ms  (${r.requests} ok, ${r.errors} errors)`;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const results: Array<Record<string, unknown>> = [];
  for (const t of a.targets) {
    process.stdout.write(`benchmarking ${t.name} (${t.url}), concurrency ${a.concurrency}...\n`);
    results.push(await benchTarget(t, a));
  }
  console.log('');
  for (const r of results) {
    console.log(`${String(r.target).padEnd(10)} issue    ${fmt(r.issue as PhaseResult)}`);
    console.log(`${''.padEnd(10)} validate ${fmt(r.validate as PhaseResult)}`);
    console.log(`${''.padEnd(10)} peak RSS ${Number(r.peakRssMiB).toFixed(1)} MiB`);
  }
  if (errorKinds.size) console.log(`errors: ${[...errorKinds].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  if (results.length >= 2) {
    const [x, y] = results;
    const ratio = (k: 'issue' | 'validate') => ((x[k] as PhaseResult).rate / (y[k] as PhaseResult).rate).toFixed(2);
    console.log(`\n${x.target}/${y.target}: issue ×${ratio('issue')}, validate ×${ratio('validate')}`);
  }
  mkdirSync(a.out, { recursive: true });
  const file = join(a.out, `identity-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ concurrency: a.concurrency, results }, null, 2));
  console.log(`results written to ${file}`);
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
