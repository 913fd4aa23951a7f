/** Small helpers shared by the benchmarks: sleeping, logging, waiting for an idle machine, tables. */
import { performance } from 'node:perf_hooks';
import { machineTicks } from './proc';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Progress goes to stderr; results to stdout. */
export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A number with `digits` decimals, or "-" when it is missing or not finite. */
export const num = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits);

/** Waits up to `seconds` until the machine is less than 15% busy over 2 s; returns the last reading. */
export async function waitIdle(seconds: number): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let busy = 1;
  let told = false;
  while (seconds > 0) {
    const m0 = machineTicks();
    await sleep(2000);
    const m1 = machineTicks();
    busy = (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total);
    if (busy < 0.15) break;
    if (performance.now() > deadline) {
      log(`  the machine is still ${(busy * 100).toFixed(0)}% busy after ${seconds} s: measuring anyway`);
      break;
    }
    if (!told)
      log(`  waiting up to ${seconds} s for the machine to settle (${(busy * 100).toFixed(0)}% busy)`);
    told = true;
  }
  return busy;
}

/**
 * Aligns rows under `head`: the first `leftColumns` columns left-aligned, the others right-aligned.
 * Rows of another length (notes, failures) are printed as they are and do not affect the widths.
 */
export function formatTable(head: string[], rows: string[][], leftColumns = 2): string {
  const all = [head, ...rows];
  const full = all.filter((r) => r.length === head.length);
  const widths = head.map((_, i) => Math.max(...full.map((r) => r[i].length)));
  return all
    .map((r) =>
      r.length === head.length
        ? r
            .map((c, i) => (i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i])))
            .join('  ')
            .trimEnd()
        : r.join('  '),
    )
    .join('\n');
}

/** Runs `op(i, worker)` for i in [0, count) in order, with at most `concurrency` workers. */
export async function forEachLimited(
  count: number,
  concurrency: number,
  op: (i: number, worker: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async (_, worker) => {
      while (next < count) await op(next++, worker);
    }),
  );
}

/**
 * The order of `targets` in round `round` (0-based) of a run of several: as given on even rounds,
 * reversed on odd ones (A B, B A, A B ...), so that a machine that slows down under sustained load
 * costs every target the same.
 */
export function roundOrder<T>(targets: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...targets] : [...targets].reverse();
}
