/**
 * Part 2 of the compute benchmark: scheduler scale. Against the bench's own control plane
 * (compute/control-plane.sh: API + scheduler on kumo_compute_bench, fake hosts of the real agent code
 * on BenchDriver): `count` creates of one server each, `concurrency` in flight; every server must
 * reach ACTIVE or ERROR; placements per second from each server's `conductor_schedule_and_build_instances`
 * event (its finish is the placement), oversubscription from os-hypervisors and from each fake host's
 * own account, `server list` (every page of /servers/detail, all projects) with the servers in the DB.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { quantile } from './stats';
import { sleep, log, forEachLimited } from './util';
import {
  adminSession,
  cpuDelta,
  ensureFlavor,
  FINAL,
  imageId,
  machineBusy,
  Watched,
  type Credentials,
} from './compute-common';
import { eventMs } from './compute-nova';
import type { BenchHostStatus } from './compute-fake-driver';

export interface ScaleOptions {
  url: string;
  count: number;
  concurrency: number;
  hosts: number;
  image: string;
  listRepeats: number;
  /** directory of the fake agents' status files */
  agentsDir: string;
  pids: Record<string, number>;
  timeoutSeconds: number;
}

export interface ScaleReport {
  creates: number;
  createErrors: Record<string, number>;
  createSeconds: number;
  createP50Ms: number;
  createP99Ms: number;
  final: { active: number; error: number; other: number };
  faults: Record<string, number>;
  placed: number;
  /** placements / (last placement - first POST) */
  placementsPerSecond: number;
  /** placements / (last placement - first placement) */
  placementsPerSecondSteady: number;
  placementP50Ms: number;
  placementP99Ms: number;
  allFinalSeconds: number;
  oversubscribedHostsApi: number;
  oversubscribedBuildsAgents: number | null;
  hostsUsed: number;
  perHostMin: number;
  perHostMax: number;
  list: { servers: number; pages: number; p50Ms: number; p99Ms: number; maxMs: number; repeats: number };
  listBrief: { p50Ms: number; p99Ms: number };
  memory: {
    duringCreatesPeakMiB: Record<string, number>;
    duringCreatesPeakSumMiB: number;
    with1000MiB: Record<string, number>;
    with1000SumMiB: number;
  };
  cpuSeconds: Record<string, number>;
  cpuMsPerServer: Record<string, number>;
  machineBusy: number;
}

function agentStatus(dir: string): BenchHostStatus[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  return files.flatMap(
    (f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { hosts: BenchHostStatus[] }).hosts,
  );
}

export async function runScale(c: Credentials, o: ScaleOptions): Promise<ScaleReport> {
  const a = await adminSession(c, o.url, Math.max(8, o.concurrency));
  const nova = a.nova;
  const image = await imageId(a, o.image);
  const flavor = await ensureFlavor(nova, 'bench-tiny', 1, 256, 1);
  const q = await nova.request('PUT', `/os-quota-sets/${a.projectId}`, {
    quota_set: { instances: -1, cores: -1, ram: -1 },
  });
  if (q.status !== 200) throw new Error(`quota set answered ${q.status}`);
  // every fake host up
  for (let i = 0; ; i++) {
    const h = await nova.request<{ hypervisors?: Array<{ state: string; status: string }> }>(
      'GET',
      '/os-hypervisors/detail',
    );
    const up = (h.body.hypervisors ?? []).filter((x) => x.state === 'up' && x.status === 'enabled').length;
    if (up >= o.hosts) break;
    if (i > 60)
      throw new Error(`only ${up} of ${o.hosts} hosts are up in ${o.url}'s os-hypervisors after 60 s`);
    await sleep(1000);
  }
  const before = await nova.listAll(false);
  if (before.servers.length)
    throw new Error(
      `${before.servers.length} servers are already there: reset the bench control plane (control-plane.sh reset)`,
    );

  const watched = new Watched(o.pids);
  const stopRss = watched.sample();
  const cpu0 = watched.cpu();
  const busy = machineBusy();
  const postAt = new Map<string, number>();
  const createMs: number[] = [];
  const createErrors: Record<string, number> = {};
  log(`  scale: ${o.count} creates, ${o.concurrency} in flight, on ${o.hosts} fake hosts`);
  const t0 = Date.now();
  await forEachLimited(o.count, o.concurrency, async (i) => {
    const at = Date.now();
    try {
      const s = await nova.createServer({ name: `bench-scale-${i}`, imageRef: image, flavorRef: flavor });
      postAt.set(s.id, at);
      createMs.push(s.ms);
    } catch (err) {
      const k = (err as Error).message.slice(0, 120);
      createErrors[k] = (createErrors[k] ?? 0) + 1;
    }
  });
  const createSeconds = (Date.now() - t0) / 1000;
  log(
    `  scale: ${postAt.size} accepted in ${createSeconds.toFixed(1)} s; waiting for every server to be ACTIVE or ERROR`,
  );
  // waiting: the brief list of the servers still in BUILD (the detail of all 1,000 every second
  // would be the bench's own load on the API it measures), then the detail of all once
  while ((await nova.listAll(false, '&status=BUILD')).servers.length) {
    if ((Date.now() - t0) / 1000 > o.timeoutSeconds) break;
    await sleep(500);
  }
  const allFinalSeconds = (Date.now() - t0) / 1000;
  const duringCreates = stopRss();
  const cpu = cpuDelta(cpu0, watched.cpu());
  const machine = busy();
  const servers = (await nova.listAll(true)).servers;

  // placements: the scheduler's event finishes when it has claimed a host and cast the build
  const placedAt: number[] = [];
  const placementMs: number[] = [];
  await forEachLimited(servers.length, 16, async (i) => {
    const s = servers[i];
    const events = await nova.createEvents(s.id);
    const e = events.find((x) => x.event === 'conductor_schedule_and_build_instances');
    const f = eventMs(e?.finish_time ?? null);
    if (f !== null && e?.result === 'Success') {
      placedAt.push(f);
      const p = postAt.get(s.id);
      if (p !== undefined) placementMs.push(f - p);
    }
  });
  placedAt.sort((x, y) => x - y);
  const faults: Record<string, number> = {};
  for (const s of servers)
    if (s.status === 'ERROR')
      faults[s.fault?.message.slice(0, 160) ?? '(no fault)'] =
        (faults[s.fault?.message.slice(0, 160) ?? '(no fault)'] ?? 0) + 1;

  const hv = await nova.request<{
    hypervisors?: Array<{
      vcpus: number;
      vcpus_used: number;
      memory_mb: number;
      memory_mb_used: number;
      local_gb: number;
      local_gb_used: number;
      running_vms: number;
    }>;
  }>('GET', '/os-hypervisors/detail');
  const ratios = { cpu: 16, ram: 1.5, disk: 1 };
  const hvs = hv.body.hypervisors ?? [];
  const over = hvs.filter(
    (h) =>
      h.vcpus_used > h.vcpus * ratios.cpu ||
      h.memory_mb_used > h.memory_mb * ratios.ram ||
      h.local_gb_used > h.local_gb * ratios.disk,
  ).length;
  const agents = agentStatus(o.agentsDir);
  const perHost = agents.map((h) => h.guests);

  // server list with the servers in the DB: openstackclient's (every page of /servers/detail) and the brief list
  const listMs: number[] = [];
  const briefMs: number[] = [];
  let pages = 0;
  let listed = 0;
  for (let i = 0; i < o.listRepeats; i++) {
    const l = await nova.listAll(true);
    listMs.push(l.ms);
    pages = l.pages;
    listed = l.servers.length;
    briefMs.push((await nova.listAll(false)).ms);
  }
  await sleep(1000);
  const with1000 = watched.rss();
  await nova.close();
  const n = Math.max(1, postAt.size);
  return {
    creates: postAt.size,
    createErrors,
    createSeconds,
    createP50Ms: quantile(createMs, 0.5),
    createP99Ms: quantile(createMs, 0.99),
    final: {
      active: servers.filter((s) => s.status === 'ACTIVE').length,
      error: servers.filter((s) => s.status === 'ERROR').length,
      other: servers.filter((s) => !FINAL.has(s.status)).length,
    },
    faults,
    placed: placedAt.length,
    placementsPerSecond: placedAt.length
      ? placedAt.length / ((placedAt[placedAt.length - 1] - t0) / 1000)
      : 0,
    placementsPerSecondSteady:
      placedAt.length > 1
        ? (placedAt.length - 1) / ((placedAt[placedAt.length - 1] - placedAt[0]) / 1000)
        : 0,
    placementP50Ms: quantile(placementMs, 0.5),
    placementP99Ms: quantile(placementMs, 0.99),
    allFinalSeconds,
    oversubscribedHostsApi: over,
    oversubscribedBuildsAgents: agents.length ? agents.reduce((s, h) => s + h.oversubscribed, 0) : null,
    hostsUsed: perHost.filter((x) => x > 0).length,
    perHostMin: perHost.length ? Math.min(...perHost) : NaN,
    perHostMax: perHost.length ? Math.max(...perHost) : NaN,
    list: {
      servers: listed,
      pages,
      p50Ms: quantile(listMs, 0.5),
      p99Ms: quantile(listMs, 0.99),
      maxMs: Math.max(...listMs),
      repeats: o.listRepeats,
    },
    listBrief: { p50Ms: quantile(briefMs, 0.5), p99Ms: quantile(briefMs, 0.99) },
    memory: {
      duringCreatesPeakMiB: duringCreates.peakMiB,
      duringCreatesPeakSumMiB: duringCreates.peakSumMiB,
      with1000MiB: with1000,
      with1000SumMiB: Math.round(Object.values(with1000).reduce((x, y) => x + y, 0) * 10) / 10,
    },
    cpuSeconds: cpu,
    cpuMsPerServer: Object.fromEntries(
      Object.entries(cpu).map(([k, v]) => [k, Math.round((v * 1000 * 100) / n) / 100]),
    ),
    machineBusy: machine,
  };
}
