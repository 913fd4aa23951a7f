/** Running a benchmark phase's operations at a concurrency: rates, latencies and error kinds. */
import { performance } from 'node:perf_hooks';
import { forEachLimited, sleep } from './util';

/** A failed operation; the message is its kind in the error counts. */
export class OpError extends Error {}

/** Errors that say the server went away (Kumo restarting): the target is tried again. */
export const CONNECTION_ERROR = /ECONNREFUSED|ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CONNECT|other side closed/;

export interface RawPhase {
  latencies: number[];
  errors: number;
  seconds: number;
  bytes: number;
}

/** Runs op(i) for every i at `concurrency`; an op returns the object bytes it moved or throws. */
export async function runOps(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<number>,
  errorKinds: Map<string, number>,
): Promise<RawPhase> {
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  const started = performance.now();
  await forEachLimited(count, concurrency, async (i) => {
    const t0 = performance.now();
    try {
      // awaited first: `bytes += await op(i)` reads `bytes` before the await, so concurrent ops
      // would overwrite each other's sums (it undercounted by about the concurrency)
      const moved = await op(i);
      bytes += moved;
      latencies.push(performance.now() - t0);
    } catch (err) {
      const e = err as Error & { code?: string };
      const kind =
        err instanceof OpError ? e.message : `${e.code ? `${e.code}: ` : ''}${e.message || String(err)}`;
      errors++;
      errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
      if (CONNECTION_ERROR.test(kind)) await sleep(100); // do not spin against a dead server
    }
  });
  return { latencies, errors, bytes, seconds: (performance.now() - started) / 1000 };
}
