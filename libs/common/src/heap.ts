import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

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
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (opts?: { type: 'minor' | 'major' }) => void;
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
