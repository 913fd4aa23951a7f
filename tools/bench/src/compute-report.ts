/** The compute benchmark's tables and goals (the issue's targets, with the peer Nova's figures beside them). */
import { SPLIT_PARTS, type Boot, type LatencyReport, type Stat } from './compute-latency';
import type { ScaleReport } from './compute-scale';
import { formatTable, num } from './util';

/**
 * Nova's figures as issue 12 gives them (not measured by this bench): Debian's Nova 26 + Placement on
 * Kumo's identity and image, kumo-tiny, flavor tiny, TCG, image cached, POST then GET every 0.2 s, one token.
 */
export const NOVA_PEER = {
  source:
    'issue 12 "Performance" (Debian Nova 26 + Placement, this machine kind; quoted, not measured by this run)',
  postToActiveMedianS: 2.2,
  postToActiveRangeS: [1.9, 3.2],
  postToGuestReadyRangeS: [6.4, 7.5],
  deleteTo404S: 2.2,
  rssIdleMiB: 1053,
  rssWith10ServersMiB: 1170,
};

export interface Goal {
  goal: string;
  value: string;
  met: boolean | null;
}

const s = (ms: number) => num(ms / 1000, 2);
const stat = (x: Stat) => `${s(x.p50)} / ${s(x.p99)} (${s(x.min)}-${s(x.max)}, n=${x.n})`;
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

function bootLine(label: string, b: Boot | null): string[] {
  if (!b) return [label, '-', '-', '-', '-'];
  return [
    label,
    b.status,
    b.activeMs === null ? '-' : s(b.activeMs),
    b.readyMs === null ? '-' : s(b.readyMs),
    b.deleteMs === null ? '-' : s(b.deleteMs),
  ];
}

export function latencyText(r: LatencyReport): string {
  const lines: string[] = [];
  lines.push(
    `part 1: ${r.boots.length} sequential boots of ${r.image} (flavor ${r.flavor}); machine ${num(r.machineBusy * 100, 0)}% busy meanwhile`,
  );
  lines.push(
    formatTable(
      ['figure (s)', 'kumo p50 / p99 (min-max)', 'nova (issue)'],
      [
        [
          'POST → ACTIVE (client poll 0.2 s)',
          stat(r.active),
          `median ${NOVA_PEER.postToActiveMedianS} (${NOVA_PEER.postToActiveRangeS.join('-')})`,
        ],
        ['POST → KUMO-GUEST-READY', stat(r.ready), NOVA_PEER.postToGuestReadyRangeS.join('-')],
        ['DELETE → 404', stat(r.delete), String(NOVA_PEER.deleteTo404S)],
      ],
      1,
    ),
  );
  lines.push('');
  lines.push(
    formatTable(
      ['split (server side, from the create action events)', 'p50 / p99 (min-max)'],
      SPLIT_PARTS.map(([k, label]) => [label, stat(r.split[k])]),
      1,
    ),
  );
  lines.push('');
  lines.push(
    formatTable(
      ['boot', 'status', 'ACTIVE s', 'ready s', 'delete s'],
      [
        bootLine('cache miss (first boot of a fresh image copy)', r.cacheMiss),
        bootLine('warm-up (not counted)', r.warmup),
      ],
      1,
    ),
  );
  if (r.cacheMiss?.split)
    lines.push(
      `  cache miss split: ${SPLIT_PARTS.map(([k, label]) => `${label.split(' (')[0]} ${s(r.cacheMiss!.split![k])}`).join(', ')}`,
    );
  lines.push(
    `  RSS MiB idle: ${JSON.stringify(r.memory.idleMiB)} = ${num(sum(r.memory.idleMiB), 0)}; peak while booting: ${JSON.stringify(r.memory.peakMiB)}, peak of the sum ${num(r.memory.peakSumMiB, 0)}`,
  );
  lines.push(`  CPU ms per boot: ${JSON.stringify(r.cpuMsPerBoot)}`);
  return lines.join('\n');
}

export function scaleText(r: ScaleReport): string {
  const errs = Object.entries(r.createErrors);
  const faults = Object.entries(r.faults);
  return [
    `part 2: ${r.creates} creates in ${num(r.createSeconds, 1)} s (POST p50 ${num(r.createP50Ms, 0)} ms, p99 ${num(r.createP99Ms, 0)} ms${errs.length ? `; refused: ${errs.map(([k, n]) => `${k} x${n}`).join(', ')}` : ''}); machine ${num(r.machineBusy * 100, 0)}% busy meanwhile`,
    `  final: ${r.final.active} ACTIVE, ${r.final.error} ERROR, ${r.final.other} not final, all final after ${num(r.allFinalSeconds, 1)} s${faults.length ? `; faults: ${faults.map(([k, n]) => `${k} x${n}`).join('; ')}` : ''}`,
    `  placements: ${r.placed}, ${num(r.placementsPerSecond, 1)}/s from the first POST (${num(r.placementsPerSecondSteady, 1)}/s first to last placement); POST → placed p50 ${num(r.placementP50Ms, 0)} ms, p99 ${num(r.placementP99Ms, 0)} ms; ${num(r.placed / (r.cpuSeconds['compute-scheduler'] ?? NaN), 1)} placements per CPU-second of the scheduler process (scheduler + conductor)`,
    `  hosts: ${r.hostsUsed} used, ${r.perHostMin}-${r.perHostMax} servers each; oversubscribed: ${r.oversubscribedHostsApi} hosts in os-hypervisors, ${r.oversubscribedBuildsAgents ?? '-'} builds seen by the fake hosts with no room`,
    `  server list (every page of /servers/detail, all projects, ${r.list.servers} servers in ${r.list.pages} pages, x${r.list.repeats}): p50 ${num(r.list.p50Ms, 0)} ms, p99 ${num(r.list.p99Ms, 0)} ms, max ${num(r.list.maxMs, 0)} ms; /servers (brief) p50 ${num(r.listBrief.p50Ms, 0)} ms, p99 ${num(r.listBrief.p99Ms, 0)} ms`,
    `  RSS MiB peak while creating: ${JSON.stringify(r.memory.duringCreatesPeakMiB)} (sum ${num(r.memory.duringCreatesPeakSumMiB, 0)}); with ${r.list.servers} servers in the DB: ${JSON.stringify(r.memory.with1000MiB)} (sum ${num(r.memory.with1000SumMiB, 0)})`,
    `  CPU s: ${JSON.stringify(r.cpuSeconds)}; CPU ms per server: ${JSON.stringify(r.cpuMsPerServer)}`,
  ].join('\n');
}

const pick = (r: Record<string, number>, names: string[]) => names.reduce((a, n) => a + (r[n] ?? 0), 0);

export function goals(lat: LatencyReport | undefined, sc: ScaleReport | undefined): Goal[] {
  const g: Goal[] = [];
  const ok = (v: number, limit: number) => (Number.isFinite(v) ? v <= limit : null);
  if (lat) {
    g.push({
      goal: 'POST → ACTIVE p50 ≤ 1.0 s',
      value: `${s(lat.active.p50)} s`,
      met: ok(lat.active.p50, 1000),
    });
    g.push({
      goal: 'POST → ACTIVE p99 ≤ 1.5 s',
      value: `${s(lat.active.p99)} s`,
      met: ok(lat.active.p99, 1500),
    });
    g.push({
      goal: "POST → ACTIVE ≤ half of Nova's 2.2 s median",
      value: `x${num(lat.active.p50 / 2200, 2)} of Nova`,
      met: ok(lat.active.p50, 1100),
    });
    g.push({
      goal: "Kumo's own share p50 < 300 ms",
      value: `${num(lat.split.kumoShare.p50, 0)} ms`,
      met: Number.isFinite(lat.split.kumoShare.p50) ? lat.split.kumoShare.p50 < 300 : null,
    });
    g.push({
      goal: 'DELETE → 404 p50 ≤ 0.5 s',
      value: `${s(lat.delete.p50)} s`,
      met: ok(lat.delete.p50, 500),
    });
    // the peak of the four processes' summed RSS (sampled together every 250 ms)
    const boot = lat.memory.peakSumMiB;
    g.push({
      goal: 'API + scheduler + agent + console RSS < 300 MB while booting',
      value: `${num(boot * 1.048576, 0)} MB (${num(boot, 0)} MiB; Nova + Placement idle: 1,053 MiB)`,
      met: Number.isFinite(boot) && boot > 0 ? boot * 1.048576 < 300 : null,
    });
  }
  if (sc) {
    g.push({
      goal: 'placements ≥ 100/s',
      value: `${num(sc.placementsPerSecond, 1)}/s`,
      met: sc.placementsPerSecond >= 100,
    });
    g.push({
      goal: 'zero oversubscribed hosts',
      value: `${sc.oversubscribedHostsApi} (API), ${sc.oversubscribedBuildsAgents ?? '-'} (fake hosts)`,
      met: sc.oversubscribedHostsApi === 0 && (sc.oversubscribedBuildsAgents ?? 0) === 0,
    });
    g.push({
      goal: 'every server reaches a final state',
      value: `${sc.final.active + sc.final.error}/${sc.creates}`,
      met: sc.final.other === 0 && sc.final.active + sc.final.error === sc.creates,
    });
    g.push({
      goal: `server list p99 with ${sc.list.servers} servers < 200 ms`,
      value: `${num(sc.list.p99Ms, 0)} ms`,
      met: sc.list.p99Ms < 200,
    });
    // API + scheduler with the servers in the DB, plus the real agent and console proxy idle (part 1's processes)
    const cp = pick(sc.memory.with1000MiB, ['compute-api', 'compute-scheduler']);
    const rest = lat ? pick(lat.memory.idleMiB, ['compute-agent', 'compute-console']) : NaN;
    const total = cp + (Number.isFinite(rest) ? rest : 0);
    g.push({
      goal: `RSS < 300 MB with ${sc.list.servers} servers in the DB`,
      value: `${num(total * 1.048576, 0)} MB (API + scheduler ${num(cp, 0)} MiB${Number.isFinite(rest) ? ` + the stack's agent and console proxy ${num(rest, 0)} MiB` : ', agent and console not measured'})`,
      met: Number.isFinite(rest) ? total * 1.048576 < 300 : null,
    });
  }
  return g;
}

export function goalsText(g: Goal[]): string {
  return formatTable(
    ['goal', 'kumo', ''],
    g.map((x) => [x.goal, x.value, x.met === null ? '?' : x.met ? '✔' : '✘']),
    2,
  );
}
