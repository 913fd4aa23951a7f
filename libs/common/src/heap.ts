import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (opts?: { type: 'minor' | 'major' }) => void;
let exposedGc: Gc | undefined;

/** V8's gc(), without --expose-gc on the command line (NODE_OPTIONS refuses it). */
function gcFunction(): Gc {
  if (!exposedGc) {
    setFlagsFromString('--expose-gc');
    exposedGc = runInNewContext('gc') as Gc;
  }
  return exposedGc;
}

/**
 * Lets V8's heap grow to five times what survived the last full collection before it collects again,
 * for processes that stream request and response bodies (object proxy and nodes, image service).
 *
 * Node's HTTP parser copies every body chunk into a new ArrayBuffer, and V8 counts those bytes against
 * the old generation's limit, which it sets at about twice the live heap (~20 MB here). A process that
 * moves 100 MB/s of bodies therefore ran a full mark-compact every ~15 MB of data: measured on a storage
 * node, 35 mark-compacts and ~0.7 s of GC per 640 MB received, a third of its CPU. At 5x, the
 * short-lived buffers are freed by the next collection without one per chunk burst (1 mark-compact for
 * the same load); the price is ~40 MB more peak RSS. The flag is read at every limit computation, so
 * setting it at start-up (not on the command line, where NODE_OPTIONS would refuse it) is enough.
 */
export function tuneHeapForStreaming(growingPercent = 400): void {
  setFlagsFromString(`--heap-growing-percent=${growingPercent}`);
}

/** Set by enableBodyBufferReclaim: a scavenge every `every` bytes. */
let reclaim: { minorGc: () => void; every: number } | undefined;
let sinceGc = 0;

/**
 * Keeps a process that relays big bodies within a memory bound. Every body chunk Node receives is a new
 * ArrayBuffer; V8 frees them only when a collection runs, and it starts one for them only after 64 MB
 * of such memory has piled up, so a process relaying an image peaked ~60 MB above its idle RSS. After
 * this, `reclaimBodyBuffers(n)` runs a young-generation collection (a scavenge, ~1 ms: the chunks of a
 * stream are young) once `everyBytes` have passed, which frees the chunks already consumed.
 */
export function enableBodyBufferReclaim(everyBytes = 8 * 1024 * 1024): void {
  const gc = gcFunction();
  reclaim = { minorGc: () => gc({ type: 'minor' }), every: everyBytes };
}

/** Counts body bytes this process has moved; see enableBodyBufferReclaim. A no-op unless enabled. */
export function reclaimBodyBuffers(bytes: number): void {
  if (!reclaim) return;
  sinceGc += bytes;
  if (sinceGc >= reclaim.every) {
    sinceGc = 0;
    reclaim.minorGc();
  }
}

/** What settleWhenIdle looks at and does (the process's own by default; a test gives its own). */
export interface SettleProbe {
  /** resident set size, bytes */
  rss(): number;
  /** the event loop's utilization (0..1) since the previous call */
  busy(): number;
  /** a full (mark-compact) collection */
  collect(): void;
}

export interface SettleOptions {
  /** how often the process is looked at, ms (default 2000) */
  everyMs?: number;
  /** RSS growth above its lowest since the last settle that is worth a collection (default 6 MiB) */
  minGrowthBytes?: number;
  /** an interval whose event loop utilization is below this is quiet (default 0.05) */
  quietBelow?: number;
  /**
   * quiet intervals in a row before the collection (default 3: 6 s). V8 shrinks its young generation in a
   * full GC only when the allocation rate of its last ~5 s is low: a GC 2-4 s after a load left 32 MiB of
   * young generation committed, one after 6 s gave back all but 1 MiB.
   */
  quietIntervals?: number;
  /** told one interval after each settle: RSS before the collection and then, bytes (V8 unmaps pages in the background) */
  onSettle?: (before: number, after: number) => void;
  probe?: SettleProbe;
}

function processProbe(): SettleProbe {
  let last = performance.eventLoopUtilization();
  const gc = gcFunction();
  return {
    rss: () => process.memoryUsage.rss(),
    busy: () => {
      const now = performance.eventLoopUtilization();
      const u = performance.eventLoopUtilization(now, last).utilization;
      last = now;
      return u;
    },
    // gc() without options: V8's forced full GC, which also gives the freed pages back (the young
    // generation's too); gc({ type: 'major' }) left RSS where it was (measured: 115 MiB both before and
    // after on identity after a validation load, 100 MiB after a plain gc())
    collect: () => gc(),
  };
}

/**
 * Gives memory back once a process goes quiet after load. V8 sizes its young generation (up to 32 MiB)
 * and its old-generation limit (5x the live heap with tuneHeapForStreaming) for the load it saw, and
 * frees the body buffers a load left behind only when a collection runs; a process that goes idle
 * allocates too little to start one, so it kept its peak: identity 134 MiB 60 s after a validation
 * load (102 MiB after one full GC), storage nodes 200+ MiB. Every `everyMs` this looks at the event
 * loop; once it was quiet (utilization under `quietBelow`) for `quietIntervals` intervals in a row after
 * RSS grew by `minGrowthBytes` above its lowest since the last settle, it runs one full collection
 * (~10-30 ms, while nothing else runs). A process under load is never interrupted; one that stays quiet is collected once. Returns
 * the stop function (the timer does not keep the process alive).
 */
export function settleWhenIdle(opts: SettleOptions = {}): () => void {
  const probe = opts.probe ?? processProbe();
  const minGrowth = opts.minGrowthBytes ?? 6 * 1024 * 1024;
  const quietBelow = opts.quietBelow ?? 0.05;
  const quietIntervals = opts.quietIntervals ?? 3;
  let lowest = probe.rss();
  let quiet = 0;
  let settledFrom: number | undefined;
  const timer = setInterval(() => {
    const busy = probe.busy();
    const rss = probe.rss();
    if (settledFrom !== undefined) opts.onSettle?.(settledFrom, rss);
    settledFrom = undefined;
    lowest = Math.min(lowest, rss);
    quiet = busy < quietBelow ? quiet + 1 : 0;
    if (quiet < quietIntervals || rss - lowest < minGrowth) return;
    probe.collect();
    lowest = probe.rss();
    settledFrom = rss;
  }, opts.everyMs ?? 2000);
  timer.unref();
  return () => clearInterval(timer);
}
