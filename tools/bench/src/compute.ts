#!/usr/bin/env node
/**
 * The compute benchmark (issue 12's "Performance"): part 1, boot latency of kumo-tiny through the
 * stack's compute (real libvirt/QEMU) split into its steps; part 2, scheduler scale on the bench's
 * own control plane with 200 fake hosts (compute/control-plane.sh); part 3, the compute processes'
 * memory in both. Nova's figures are the issue's, printed beside Kumo's as the reference peer.
 *
 *   . .stack/admin-openrc.sh; node tools/bench/dist/compute.js --part latency --pid compute-api=PID ...
 *   tools/bench/compute/run.sh     (builds, takes the pids, starts and resets the scale control plane)
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './args';
import { COMPUTE_USAGE, parseComputeArgs, type ComputeOptions } from './compute-args';
import { credentialsFromEnv } from './compute-common';
import { runLatency } from './compute-latency';
import { goals, goalsText, latencyText, NOVA_PEER, scaleText } from './compute-report';
import { runScale } from './compute-scale';
import { hostInfo, writeResult } from './result-file';
import { log, waitIdle } from './util';

async function main(): Promise<void> {
  const repo = join(__dirname, '..', '..', '..');
  let o: ComputeOptions;
  try {
    o = parseComputeArgs(process.argv.slice(2), repo);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) console.error(`compute bench: ${err.message}\n`);
    console.error(COMPUTE_USAGE);
    process.exit(err.message ? 2 : 0);
  }
  const c = credentialsFromEnv();
  const load0 = loadavg();
  log(`compute bench: ${o.parts.join(' + ')}; load average ${load0.map((l) => l.toFixed(2)).join(' ')}`);
  const failures: Record<string, string> = {};
  const busyBefore: Record<string, number> = {};
  /** One part: after the idle wait, its run and its text; a failure is reported and the next part runs. */
  async function part<T>(
    name: 'latency' | 'scale',
    title: string,
    run: () => Promise<T>,
    text: (r: T) => string,
  ): Promise<T | undefined> {
    if (!o.parts.includes(name)) return undefined;
    busyBefore[name] = await waitIdle(o.waitIdleSeconds);
    try {
      const r = await run();
      console.log(`\n${text(r)}`);
      return r;
    } catch (err) {
      failures[name] = (err as Error).message;
      console.log(`\n${title} FAILED: ${failures[name]}`);
      return undefined;
    }
  }
  const latency = await part(
    'latency',
    'part 1 (latency)',
    () =>
      runLatency(c, {
        url: o.url,
        boots: o.boots,
        pollMs: o.pollMs,
        image: o.image,
        flavor: o.flavor,
        readyMarker: o.readyMarker,
        readyTimeoutSeconds: 60,
        cacheMiss: o.cacheMiss,
        pids: o.pids,
      }),
    latencyText,
  );
  const scale = await part(
    'scale',
    'part 2 (scale)',
    () =>
      runScale(c, {
        url: o.scaleUrl,
        count: o.count,
        concurrency: o.concurrency,
        hosts: o.hosts,
        image: o.image,
        listRepeats: o.listRepeats,
        agentsDir: o.agentsDir,
        pids: o.scalePids,
        timeoutSeconds: o.timeoutSeconds,
      }),
    scaleText,
  );
  const g = goals(latency, scale);
  console.log(
    `\nreference peer: Nova, ${NOVA_PEER.source}: POST → ACTIVE median ${NOVA_PEER.postToActiveMedianS} s (${NOVA_PEER.postToActiveRangeS.join('-')}), POST → guest ready ${NOVA_PEER.postToGuestReadyRangeS.join('-')} s, DELETE → 404 ${NOVA_PEER.deleteTo404S} s, nova + placement RSS ${NOVA_PEER.rssIdleMiB} MiB idle, ${NOVA_PEER.rssWith10ServersMiB} MiB with 10 servers`,
  );
  if (g.length) console.log(`\n${goalsText(g)}`);
  const date = new Date();
  const file = writeResult(
    'compute',
    date,
    {
      benchmark: 'compute',
      date: date.toISOString(),
      host: hostInfo(load0),
      options: o,
      busyBefore,
      novaPeer: NOVA_PEER,
      latency,
      scale,
      goals: g,
      failures,
    },
    o.out,
  );
  console.log(`\nresults: ${file}`);
  if (Object.keys(failures).length) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(`compute bench: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
