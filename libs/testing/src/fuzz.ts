import { CaseOptions, casesFor, FuzzRoute } from './cases';
import type { FaultCheck } from './faults';
import { FuzzRequest, FuzzResponse, send, sendCutOff } from './http';
import { snapshotDiff } from './snapshot';

/** The default seed of the fuzz tier; `KUMO_FUZZ_SEED` replays another. */
export const FUZZ_SEED = Number(process.env.KUMO_FUZZ_SEED ?? 20261203);

export const FUZZ_KINDS = ['params', 'query', 'body', 'headers', 'cut-off', 'random'] as const;
export type FuzzKind = (typeof FUZZ_KINDS)[number];

export interface FuzzTarget {
  /** The service's base URL, e.g. http://127.0.0.1:40123 (paths of the routes are appended). */
  baseUrl: string;
  /** The route table (from Fastify's onRoute records, or the service's own table). */
  routes: FuzzRoute[];
  /** The service's fault style. */
  fault: FaultCheck;
  /** A cheap request that must answer within `probeLimitMs` while a fuzzed request is in flight. */
  probe: { method: string; path: string; headers?: Record<string, string> };
  probeLimitMs?: number;
  /** Counts of what exists (table rows, files): a refused request must not change them. */
  snapshot: () => Promise<Record<string, number>>;
  cases: Omit<CaseOptions, 'seed' | 'randomRuns'>;
  randomRuns?: number;
  seed?: number;
}

export interface FuzzFailure {
  route: string;
  problem: string;
  request: FuzzRequest;
  answer?: FuzzResponse;
}

export interface FuzzReport {
  cases: number;
  /** Time spent in snapshots and in all, ms. */
  snapshotMs: number;
  ms: number;
  failures: FuzzFailure[];
}

async function timedProbe(base: URL, probe: FuzzTarget['probe']): Promise<number> {
  const start = performance.now();
  const res = await send(base, {
    kind: 'probe',
    method: probe.method,
    path: probe.path,
    headers: probe.headers ?? {},
  });
  if (res.status >= 400) throw new Error(`the probe ${probe.method} ${probe.path} answered ${res.status}`);
  return performance.now() - start;
}

/** The answer's problems (5xx, no request id, not the service's fault body). */
function answerProblems(target: FuzzTarget, req: FuzzRequest, res: FuzzResponse): string[] {
  const problems: string[] = [];
  if (res.status >= 500 && res.status !== 501) problems.push(`answered ${res.status}`);
  if (!res.headers['x-openstack-request-id']) problems.push('no x-openstack-request-id');
  if (res.status >= 400) {
    const bad = target.fault(res, req);
    if (bad) problems.push(`fault body: ${bad}`);
  }
  return problems;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until two snapshots 100 ms apart agree (at most ~2 s); returns the last. */
async function settled(snapshot: () => Promise<Record<string, number>>): Promise<Record<string, number>> {
  let last = await snapshot();
  for (let i = 0; i < 20; i++) {
    await sleep(100);
    const now = await snapshot();
    if (snapshotDiff(last, now).length === 0) return now;
    last = now;
  }
  return last;
}

async function confirmChange(
  base: URL,
  req: FuzzRequest,
  snapshot: () => Promise<Record<string, number>>,
): Promise<string[]> {
  const before = await settled(snapshot);
  try {
    if (req.cutOff) await sendCutOff(base, req, () => Promise.resolve());
    else await send(base, req);
  } catch {
    // the first attempt's answer was already judged
  }
  return snapshotDiff(before, await settled(snapshot));
}

/** Runs every case of one kind over every route; returns what went wrong, request by request. */
export async function fuzz(target: FuzzTarget, kind: FuzzKind): Promise<FuzzReport> {
  const base = new URL(target.baseUrl);
  const limit = target.probeLimitMs ?? 200;
  const opts: CaseOptions = {
    ...target.cases,
    seed: target.seed ?? FUZZ_SEED,
    randomRuns: target.randomRuns ?? 10,
  };
  const failures: FuzzFailure[] = [];
  let count = 0;
  let snapshotMs = 0;
  const started = performance.now();
  const snapshot = async (): Promise<Record<string, number>> => {
    const t0 = performance.now();
    const s = await target.snapshot();
    snapshotMs += performance.now() - t0;
    return s;
  };
  // A probe every ~25 ms for the whole run: a slow one names the cases in flight meanwhile, and each
  // of those is sent again beside a probe of its own; it stalls the service if that is slow again.
  const recent: Array<{ seq: number; req: FuzzRequest; route: string }> = [];
  let seq = 0;
  let inFlight: { seq: number; req: FuzzRequest; route: string } | undefined;
  const suspects: Array<{ req: FuzzRequest; route: string; ms: number }> = [];
  let probing = true;
  let probeError: Error | undefined;
  const prober = (async () => {
    while (probing) {
      // measured from when the probe was due, so that a stall of this very process (an in-process
      // app blocking the event loop, which also holds back the probe's own timer) counts too
      const due = performance.now() + 25;
      const first = inFlight?.seq ?? seq + 1;
      await sleep(25);
      try {
        await timedProbe(base, target.probe);
        const ms = performance.now() - due;
        if (ms > limit)
          for (const c of recent.filter((r) => r.seq >= first && r.seq <= seq))
            suspects.push({ req: c.req, route: c.route, ms });
      } catch (err) {
        probeError = err as Error;
      }
    }
  })();
  const confirmStall = async (): Promise<void> => {
    const seen = new Set<FuzzRequest>();
    for (const s of suspects.splice(0)) {
      if (seen.has(s.req)) continue;
      seen.add(s.req);
      let best = Infinity;
      for (let i = 0; i < 2 && best > limit; i++) {
        const [, ms] = await Promise.all([
          send(base, s.req).catch(() => undefined),
          timedProbe(base, target.probe),
        ]);
        best = Math.min(best, ms);
      }
      // a loaded machine makes every probe slow: the case stalls the service only if the probe
      // beside it is also well slower than one alone
      const alone = Math.min(await timedProbe(base, target.probe), await timedProbe(base, target.probe));
      if (best > limit && best > alone + limit / 2)
        failures.push({
          route: s.route,
          problem: `the probe took ${Math.round(Math.min(best, s.ms))} ms or more (limit ${limit}) while this request was in flight`,
          request: s.req,
        });
    }
  };
  // what exists now: taken again after each mutating case (a success may create), so one snapshot per case
  let current: Record<string, number> | undefined;
  try {
    for (const [index, route] of target.routes.entries()) {
      const name = `${route.method} ${route.path}`;
      for (const req of casesFor(route, index, opts).filter((c) => c.kind === kind)) {
        count++;
        const mutating = req.method !== 'GET' && req.method !== 'HEAD';
        const before = mutating ? (current ??= await snapshot()) : undefined;
        let res: FuzzResponse | undefined;
        inFlight = { seq: ++seq, req, route: name };
        recent.push(inFlight);
        if (recent.length > 64) recent.shift();
        try {
          if (req.cutOff) {
            let during = 0;
            const early = await sendCutOff(base, req, async () => {
              during = await timedProbe(base, target.probe);
            });
            if (during > limit) suspects.push({ req, route: name, ms: during });
            const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(early)?.[1] ?? 0);
            if (status >= 500 && status !== 501)
              failures.push({ route: name, problem: `answered ${status} to a cut-off upload`, request: req });
          } else {
            res = await send(base, req);
          }
        } catch (err) {
          failures.push({ route: name, problem: `no answer: ${(err as Error).message}`, request: req });
          current = undefined;
          continue;
        } finally {
          inFlight = undefined;
        }
        if (res)
          for (const problem of answerProblems(target, req, res))
            failures.push({ route: name, problem, request: req, answer: res });
        if (before) {
          current = await snapshot();
          const refused = req.cutOff || (res && res.status >= 400);
          const diff = snapshotDiff(before, current);
          // the change may be the late work of an earlier success (e.g. an asynchronous container
          // update): it counts only when the request, sent again once things are still, repeats it
          if (refused && diff.length) {
            if ((await confirmChange(base, req, snapshot)).length)
              failures.push({
                route: name,
                problem: `refused (${res?.status ?? 'cut off'}) but changed ${diff.join(', ')}`,
                request: req,
                answer: res,
              });
            current = await snapshot();
          }
        }
        if (suspects.length) await confirmStall();
      }
    }
  } finally {
    probing = false;
    await prober;
  }
  await confirmStall();
  if (probeError)
    failures.push({
      route: target.probe.path,
      problem: `the probe failed: ${probeError.message}`,
      request: {
        kind: 'probe',
        method: target.probe.method,
        path: target.probe.path,
        headers: target.probe.headers ?? {},
      },
    });
  return {
    cases: count,
    failures,
    snapshotMs: Math.round(snapshotMs),
    ms: Math.round(performance.now() - started),
  };
}

function show(s: string, max: number): string {
  const j = JSON.stringify(s);
  return j.length > max ? `${j.slice(0, max)}…" (${s.length} chars)` : j;
}

/** Fails (with every failing request in the message) when the report has failures. */
export function assertNoFailures(report: FuzzReport, seed = FUZZ_SEED): void {
  const text = formatFailures(report, seed);
  if (text) throw new Error(text);
}

/** One paragraph per failure: the problem, the request as sent (method, path, headers, body) and the answer. */
export function formatFailures(report: FuzzReport, seed = FUZZ_SEED): string {
  if (report.failures.length === 0) return '';
  const lines = [
    `${report.failures.length} problem(s) in ${report.cases} cases (seed ${seed}; replay with KUMO_FUZZ_SEED=${seed}):`,
  ];
  for (const f of report.failures) {
    const r = f.request;
    lines.push(
      '',
      `* ${f.route} [${r.kind}]: ${f.problem}`,
      `  > ${r.method} ${r.path.length > 300 ? `${r.path.slice(0, 300)}… (${r.path.length} chars)` : r.path}`,
      ...Object.entries(r.headers).map(
        ([k, v]) => `  > ${k}: ${v.length > 80 ? `${v.slice(0, 80)}… (${v.length} chars)` : v}`,
      ),
      ...(r.cutOff
        ? [`  > (Content-Length ${r.cutOff.declared}, ${r.body?.length ?? 0} bytes sent, then closed)`]
        : []),
      ...(r.body ? [`  > body ${show(r.body.toString('latin1'), 200)}`] : []),
      ...(f.answer ? [`  < ${f.answer.status} ${show(f.answer.body, 300)}`] : []),
    );
  }
  return lines.join('\n');
}

/**
 * The fuzz tier's tests for one app: one jest test per kind of case, each asserting that cases ran
 * and none failed. `target` is read when the test runs (the app starts in the spec's beforeAll);
 * `fault` names the service's fault style in the test titles (Keystone, Glance, Swift, ...).
 */
export function itFuzzesEveryKind(target: () => FuzzTarget, fault: string): void {
  for (const kind of FUZZ_KINDS) {
    it(`answers ${kind} cases without a 5xx, with a ${fault} fault and a request id, and creates nothing on a refusal`, async () => {
      const report = await fuzz(target(), kind);
      expect(report.cases).toBeGreaterThan(0);
      assertNoFailures(report);
    }, 300_000);
  }
}
