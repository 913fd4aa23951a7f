/** The image benchmark's results: types, means over rounds, Kumo against its peer, goals, tables (pure). */
import type { Store } from './image-args';
import { meanOf, ratio } from './stats';
import { STEADY_BUDGET_MIB } from './steady-rss';
import { formatTable, num } from './util';

export const DIRECTIONS = ['upload', 'download'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** One upload or download of the image. */
export interface Transfer {
  /** image bytes / seconds / 10^6 */
  mbPerSecond: number;
  seconds: number;
  /** the server's process tree (Glance: the parent and its API workers) */
  peakRssMiB: number | null;
  /** CPU seconds of the server's process tree during the transfer */
  cpuSeconds: number | null;
  /**
   * object store: CPU seconds of the object service's processes during the transfer, per name
   * (--object-pid: proxy, storage); they serve Kumo and Glance alike and are not in `cpuSeconds`
   */
  objectServiceCpu?: Record<string, number>;
  machineBusy: number;
}

/** One service and store in one round. */
export interface ImageRun {
  target: string;
  store: Store;
  /** 1-based; 0 for a mean over rounds */
  round: number;
  url: string;
  pid: number | null;
  /** processes in the server's tree (Glance: the parent and its API workers) */
  processes: number | null;
  upload?: Transfer;
  download?: Transfer;
  /** the server tree's RSS a few seconds after its transfers ("after load") */
  rssAfterMiB: number | null;
  /** ... and its PSS (shared pages counted once: Glance's workers share their parent's) */
  pssAfterMiB: number | null;
  failure?: string;
}

/** What the store allows without the image service, MB/s. */
export interface StoreCeiling {
  store: Store;
  write: number;
  read: number;
  how: string;
}

/** MD5 and SHA-512 on one thread of the load generator (Glance's checksum and os_hash_value). */
export interface HashCeiling {
  md5: number;
  sha512: number;
  /** a thread per digest: the slower of the two */
  twoThreads: number;
  /** both in turn on one thread */
  oneThread: number;
}

/** MB/s of `bytes` in `seconds`, one decimal. */
export const mbps = (bytes: number, seconds: number) => Math.round((bytes / 1e6 / seconds) * 10) / 10;

/** The hash ceiling of two measured digest rates. */
export function hashCeiling(md5: number, sha512: number): HashCeiling {
  return {
    md5,
    sha512,
    twoThreads: Math.min(md5, sha512),
    oneThread: Math.round(1 / (1 / md5 + 1 / sha512)),
  };
}

/** The bound hashing puts on an upload: both digests on one thread on up to two cores (Kumo's hash_threads auto), else one thread each. */
export const hashBound = (h: HashCeiling, cores: number) => (cores <= 2 ? h.oneThread : h.twoThreads);

function combineTransfers(all: Transfer[]): Transfer | undefined {
  if (all.length === 0) return undefined;
  const mean = (f: (t: Transfer) => number | null) => meanOf(all.map(f));
  const peaks = all.map((t) => t.peakRssMiB).filter((x): x is number => x !== null);
  return {
    mbPerSecond: Math.round(mean((t) => t.mbPerSecond)! * 10) / 10,
    seconds: mean((t) => t.seconds)!,
    peakRssMiB: peaks.length ? Math.max(...peaks) : null,
    cpuSeconds: mean((t) => t.cpuSeconds),
    machineBusy: mean((t) => t.machineBusy)!,
  };
}

/**
 * One service and store's runs as one: the mean of each transfer's figures over the runs that made
 * it (peak RSS and RSS after: the highest), round 0, failures joined. One run is returned as it is.
 */
export function combineImageRuns(runs: readonly ImageRun[]): ImageRun {
  if (runs.length === 1) return runs[0];
  const pick = (d: Direction) => runs.map((r) => r[d]).filter((t): t is Transfer => t !== undefined);
  const highest = (xs: Array<number | null>) => {
    const known = xs.filter((x): x is number => x !== null);
    return known.length ? Math.max(...known) : null;
  };
  const failures = runs.filter((r) => r.failure).map((r) => `round ${r.round}: ${r.failure}`);
  return {
    ...runs[0],
    round: 0,
    upload: combineTransfers(pick('upload')),
    download: combineTransfers(pick('download')),
    rssAfterMiB: highest(runs.map((r) => r.rssAfterMiB)),
    pssAfterMiB: highest(runs.map((r) => r.pssAfterMiB)),
    failure: failures.length ? failures.join('; ') : undefined,
  };
}

/** The mean ceiling of each store over the rounds. */
export function combineCeilings(all: readonly StoreCeiling[]): StoreCeiling[] {
  const stores = [...new Set(all.map((c) => c.store))];
  return stores.map((store) => {
    const of = all.filter((c) => c.store === store);
    return {
      store,
      write: Math.round(meanOf(of.map((c) => c.write))! * 10) / 10,
      read: Math.round(meanOf(of.map((c) => c.read))! * 10) / 10,
      how: of[0].how,
    };
  });
}

const pct = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !Number.isFinite(a) || !(b > 0)
    ? null
    : Math.round((a / b) * 1000) / 10;

/** Kumo against its peer for one store and direction. */
export interface Comparison {
  store: Store;
  direction: Direction;
  kumo?: Transfer;
  peer?: Transfer;
  peerName: string | null;
  /** kumo MB/s / peer MB/s */
  rate: number | null;
  /** kumo peak RSS / peer peak RSS */
  rss: number | null;
  /** the bound hashing puts on an upload on this machine (see hashBound) */
  hashBound: number;
  /** uploads: kumo MB/s as % of the hash bound */
  kumoHashShare: number | null;
  /** kumo MB/s as % of the store's write (upload) or read (download) ceiling */
  kumoCeilingShare: number | null;
  peerCeilingShare: number | null;
  ceiling: number | null;
}

/** Every store x direction measured, Kumo (target "kumo") against the first other target. */
export function compare(
  runs: readonly ImageRun[],
  ceilings: readonly StoreCeiling[],
  hash: HashCeiling,
  cores: number,
): Comparison[] {
  const stores = [...new Set(runs.map((r) => r.store))];
  const peerName = runs.find((r) => r.target !== 'kumo')?.target ?? null;
  const out: Comparison[] = [];
  for (const store of stores)
    for (const direction of DIRECTIONS) {
      const kumo = runs.find((r) => r.target === 'kumo' && r.store === store)?.[direction];
      const peer = runs.find((r) => r.target === peerName && r.store === store)?.[direction];
      const c = ceilings.find((x) => x.store === store);
      const ceiling = c ? (direction === 'upload' ? c.write : c.read) : null;
      out.push({
        store,
        direction,
        kumo,
        peer,
        peerName,
        rate: ratio(kumo?.mbPerSecond, peer?.mbPerSecond),
        rss: ratio(kumo?.peakRssMiB ?? undefined, peer?.peakRssMiB ?? undefined),
        hashBound: hashBound(hash, cores),
        kumoHashShare: direction === 'upload' ? pct(kumo?.mbPerSecond, hashBound(hash, cores)) : null,
        kumoCeilingShare: pct(kumo?.mbPerSecond, ceiling ?? undefined),
        peerCeilingShare: pct(peer?.mbPerSecond, ceiling ?? undefined),
        ceiling,
      });
    }
  return out;
}

export interface Goal {
  goal: string;
  value: string;
  /** null: not measured, or no target for it (see `note`) */
  ok: boolean | null;
  note?: string;
}

/**
 * The issue's targets, per transfer: Kumo >= 1.5x its peer's MB/s, Kumo's peak RSS <= half its
 * peer's (Glance: parent + API workers); uploads >= 80% of the lower of the hash bound and the store's
 * write ceiling (the other one is shown with no target: the hash bound where the store is slower,
 * the store's ceiling where the cores make hashing the bound); object
 * downloads >= 80% of one object GET. File downloads' share of the uncached read is shown, with no
 * target: the image was just written and comes from the page cache, the ceiling from the disk.
 */
export function goals(cs: readonly Comparison[]): Goal[] {
  const out: Goal[] = [];
  for (const c of cs) {
    const what = `${c.store} ${c.direction}`;
    const peer = c.peerName ?? 'peer';
    out.push({
      goal: `${what}: >= 1.5x ${peer}'s MB/s`,
      value: c.rate === null ? '-' : `x${num(c.rate, 2)}`,
      ok: c.rate === null ? null : c.rate >= 1.5,
    });
    out.push({
      goal: `${what}: peak RSS <= half ${peer}'s`,
      value: c.rss === null ? '-' : `x${num(c.rss, 2)}`,
      ok: c.rss === null ? null : c.rss <= 0.5,
    });
    if (c.direction === 'upload') {
      const bound = c.hashBound;
      const hashLimits = c.ceiling !== null && bound < c.ceiling;
      // the store's own write ceiling below the hash bound: no upload through it can reach the bound
      const storeLimits = c.ceiling !== null && c.ceiling < bound;
      out.push({
        goal: `${what}: >= 80% of the MD5+SHA-512 bound`,
        value: c.kumoHashShare === null ? '-' : `${num(c.kumoHashShare)}%`,
        ok: c.kumoHashShare === null || storeLimits ? null : c.kumoHashShare >= 80,
        note: storeLimits
          ? `the ${c.store} store bounds it (${num(c.ceiling!, 0)} MB/s < ${num(bound, 0)} MB/s)`
          : undefined,
      });
      out.push({
        goal: `${what}: >= 80% of the ${c.store} write ceiling`,
        value: c.kumoCeilingShare === null ? '-' : `${num(c.kumoCeilingShare)}%`,
        ok: c.kumoCeilingShare === null || hashLimits ? null : c.kumoCeilingShare >= 80,
        note: hashLimits
          ? `hashing bounds it on these cores (${num(bound, 0)} MB/s < ${num(c.ceiling!, 0)} MB/s)`
          : undefined,
      });
    } else {
      const target = c.store === 'object';
      out.push({
        goal: `${what}: ${target ? '>= 80% of' : 'share of'} the ${c.store} read ceiling`,
        value: c.kumoCeilingShare === null ? '-' : `${num(c.kumoCeilingShare)}%`,
        ok: !target || c.kumoCeilingShare === null ? null : c.kumoCeilingShare >= 80,
        note: target ? undefined : 'no target: read from the page cache against an uncached disk read',
      });
    }
  }
  return out;
}

/** Kumo against its peer, one row per store and direction. */
export function comparisonTable(cs: readonly Comparison[]): string {
  const peer = cs[0]?.peerName ?? 'peer';
  const head = [
    'transfer',
    '',
    'kumo MB/s',
    `${peer} MB/s`,
    `kumo/${peer}`,
    'kumo RSS MiB',
    `${peer} RSS MiB`,
    'RSS ratio',
    'kumo CPU s',
    `${peer} CPU s`,
    'kumo % hash',
    'kumo % ceil',
    `${peer} % ceil`,
    'ceiling MB/s',
  ];
  const rows = cs.map((c) => [
    c.store,
    c.direction,
    num(c.kumo?.mbPerSecond),
    num(c.peer?.mbPerSecond),
    c.rate === null ? '-' : `x${num(c.rate, 2)}`,
    num(c.kumo?.peakRssMiB, 0),
    num(c.peer?.peakRssMiB, 0),
    c.rss === null ? '-' : `x${num(c.rss, 2)}`,
    num(c.kumo?.cpuSeconds),
    num(c.peer?.cpuSeconds),
    c.kumoHashShare === null ? '' : `${num(c.kumoHashShare)}%`,
    c.kumoCeilingShare === null ? '-' : `${num(c.kumoCeilingShare)}%`,
    c.peerCeilingShare === null ? '-' : `${num(c.peerCeilingShare)}%`,
    num(c.ceiling),
  ]);
  return formatTable(head, rows);
}

/** Every run (round by round), then the ceilings of every round. */
export function runsTable(
  runs: readonly ImageRun[],
  ceilings: ReadonlyArray<StoreCeiling & { round: number }>,
): string {
  const head = [
    'round',
    'target',
    'store',
    'up MB/s',
    'down MB/s',
    'up s',
    'down s',
    'up RSS',
    'down RSS',
    'RSS after',
    'PSS after',
    'up CPU s',
    'down CPU s',
    'busy up/down',
  ];
  const busy = (t?: Transfer) => (t ? `${num(t.machineBusy * 100, 0)}%` : '-');
  const rows: string[][] = [];
  for (const r of runs) {
    if (r.failure && !r.upload && !r.download) {
      rows.push([String(r.round), r.target, r.store, `FAILED: ${r.failure}`]);
      continue;
    }
    rows.push([
      String(r.round),
      r.target,
      r.store,
      num(r.upload?.mbPerSecond),
      num(r.download?.mbPerSecond),
      num(r.upload?.seconds),
      num(r.download?.seconds),
      num(r.upload?.peakRssMiB, 0),
      num(r.download?.peakRssMiB, 0),
      num(r.rssAfterMiB, 0),
      num(r.pssAfterMiB, 0),
      num(r.upload?.cpuSeconds),
      num(r.download?.cpuSeconds),
      `${busy(r.upload)}/${busy(r.download)}`,
    ]);
    if (r.failure) rows.push([String(r.round), r.target, r.store, `FAILED: ${r.failure}`]);
  }
  for (const c of ceilings)
    rows.push([
      String(c.round),
      'ceiling',
      c.store,
      num(c.write),
      num(c.read),
      ...Array.from({ length: head.length - 5 }, () => '-'),
    ]);
  return formatTable(head, rows, 3);
}

/** Kumo's image server, per store: its steady RSS after load within the per-process budget. */
export function steadyGoals(runs: readonly ImageRun[]): Goal[] {
  return runs
    .filter((r) => r.target === 'kumo')
    .map((r) => ({
      goal: `${r.store} store: steady RSS after load <= ${STEADY_BUDGET_MIB} MiB`,
      value: r.rssAfterMiB === null ? '-' : `${num(r.rssAfterMiB, 0)} MiB`,
      ok: r.rssAfterMiB === null ? null : r.rssAfterMiB <= STEADY_BUDGET_MIB,
    }));
}
