import { setFlagsFromString } from 'node:v8';

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
