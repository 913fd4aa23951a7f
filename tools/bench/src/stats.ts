/** Latency and throughput of one benchmark phase. Latencies are of successful requests only. */
export interface PhaseStats {
  /** successful (2xx) requests */
  requests: number;
  errors: number;
  /** wall time of the phase, from the first request sent to the last answer received */
  seconds: number;
  /** successful requests per second */
  rate: number;
  /** latencies in milliseconds */
  p50: number;
  p99: number;
  max: number;
}

/** The q-quantile (0 <= q <= 1) of `values` by the nearest-rank method; NaN for no values. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is not in [0, 1]`);
  const sorted = Float64Array.from(values).sort();
  return sortedQuantile(sorted, q);
}

function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export function summarise(latenciesMs: readonly number[], errors: number, seconds: number): PhaseStats {
  const sorted = Float64Array.from(latenciesMs).sort();
  const empty = sorted.length === 0;
  return {
    requests: sorted.length,
    errors,
    seconds,
    rate: seconds > 0 ? sorted.length / seconds : 0,
    p50: empty ? NaN : sortedQuantile(sorted, 0.5),
    p99: empty ? NaN : sortedQuantile(sorted, 0.99),
    max: empty ? NaN : sorted[sorted.length - 1],
  };
}

/** a/b rounded to 2 decimals, or null when either side is missing or zero. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0)
    return null;
  return Math.round((a / b) * 100) / 100;
}

/** The mean of the numbers that are not null; null when all are. */
export function meanOf(values: ReadonlyArray<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce((s, v) => s + v, 0) / known.length : null;
}
