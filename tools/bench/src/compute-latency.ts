/**
 * Part 1 of the compute benchmark: boot latency, measured as the peer (Nova) was: kumo-tiny, flavor
 * tiny, one token, POST /servers then GET polled every `pollMs` (200) until ACTIVE; then the console
 * (os-getConsoleOutput, same poll) until `KUMO-GUEST-READY`; DELETE then GET until 404. `boots`
 * sequential boots after one unmeasured warm-up; the first boot of a fresh copy of the image (a cache
 * miss on the host) is measured apart. Each boot is split with its create action's events (their
 * start/finish times, ms precision, the same machine's clock).
 */
import { quantile } from './stats';
import { log, sleep } from './util';
import {
  adminSession,
  cpuDelta,
  ensureFlavor,
  imageId,
  machineBusy,
  Watched,
  type AdminSession,
  type Credentials,
} from './compute-common';
import { eventDuration, eventMs, type ActionEvent, type Nova } from './compute-nova';

export interface LatencyOptions {
  url: string;
  boots: number;
  pollMs: number;
  image: string;
  flavor: string;
  readyMarker: string;
  readyTimeoutSeconds: number;
  cacheMiss: boolean;
  pids: Record<string, number>;
}

/** One boot, in ms from the POST being sent. */
export interface Boot {
  id: string;
  status: string;
  fault?: string;
  postMs: number;
  activeMs: number | null;
  readyMs: number | null;
  deleteMs: number | null;
  split: Split | null;
}

/** The timeline of a boot, in ms; the parts add up to `serverActive` (POST sent → ACTIVE applied). */
export interface Split {
  api: number;
  scheduling: number;
  imageCache: number;
  disk: number;
  libvirtDefineStart: number;
  qemuStart: number;
  eventToActive: number;
  /** the agent's time between its steps (events sent, the claim) */
  agentOther: number;
  serverActive: number;
  /** everything but QEMU's start (start_domain + wait_for_start) */
  kumoShare: number;
}

export const SPLIT_PARTS: Array<[keyof Split, string]> = [
  ['api', 'API (POST answered)'],
  ['scheduling', 'scheduling (answer → build starts on the agent)'],
  ['imageCache', 'image cache (compute_fetch_image)'],
  ['disk', 'disk preparation (prepare_disk + build_config_drive)'],
  ['libvirtDefineStart', 'libvirt define + start (define_domain + start_domain)'],
  ['qemuStart', "QEMU's start (start_domain + wait_for_start)"],
  ['eventToActive', 'event → ACTIVE (wait_for_start done → ACTIVE applied)'],
  ['agentOther', 'agent between steps (events, claim)'],
  ['serverActive', 'POST → ACTIVE, server side'],
  ['kumoShare', "Kumo's own share (all but QEMU's start)"],
];

export function splitOf(
  events: readonly ActionEvent[],
  postSent: number,
  postAnswered: number,
): Split | null {
  const build = events.find((e) => e.event === 'compute__do_build_and_run_instance');
  const wait = events.find((e) => e.event === 'compute_wait_for_start');
  const bStart = eventMs(build?.start_time ?? null);
  const bEnd = eventMs(build?.finish_time ?? null);
  const wEnd = eventMs(wait?.finish_time ?? null);
  const d = (n: string) => eventDuration(events, n) ?? 0;
  if (bStart === null || bEnd === null || wEnd === null) return null;
  const imageCache = d('compute_fetch_image');
  const disk = d('compute_prepare_disk') + d('compute_build_config_drive');
  const startDomain = d('compute_start_domain');
  const libvirtDefineStart = d('compute_define_domain') + startDomain;
  const qemuStart = startDomain + d('compute_wait_for_start');
  const steps = imageCache + disk + d('compute_define_domain') + qemuStart;
  const serverActive = bEnd - postSent;
  return {
    api: postAnswered - postSent,
    scheduling: bStart - postAnswered,
    imageCache,
    disk,
    libvirtDefineStart,
    qemuStart,
    eventToActive: bEnd - wEnd,
    agentOther: Math.max(0, wEnd - bStart - steps),
    serverActive,
    kumoShare: serverActive - qemuStart,
  };
}

async function until<T>(
  pollMs: number,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined || Date.now() > end) return v;
    await sleep(pollMs);
  }
}

async function oneBoot(
  nova: Nova,
  o: LatencyOptions,
  image: string,
  flavor: string,
  name: string,
): Promise<Boot> {
  const t0 = Date.now();
  const created = await nova.createServer({ name, imageRef: image, flavorRef: flavor });
  const answered = t0 + created.ms;
  const id = created.id;
  let status = 'BUILD';
  let fault: string | undefined;
  const active = await until(o.pollMs, 300_000, async () => {
    const s = await nova.server(id);
    status = s.server?.status ?? `HTTP ${s.status}`;
    if (status === 'ERROR') fault = s.server?.fault?.message;
    return status === 'ACTIVE' || status === 'ERROR' ? Date.now() : undefined;
  });
  const activeMs = status === 'ACTIVE' && active ? active - t0 : null;
  let readyMs: number | null = null;
  if (activeMs !== null && o.readyMarker) {
    const ready = await until(o.pollMs, o.readyTimeoutSeconds * 1000, async () =>
      (await nova.consoleOutput(id, 200)).includes(o.readyMarker) ? Date.now() : undefined,
    );
    readyMs = ready ? ready - t0 : null;
  }
  const events = await nova.createEvents(id);
  const split = splitOf(events, t0, answered);
  const d0 = Date.now();
  const del = await nova.deleteServer(id);
  let deleteMs: number | null = null;
  if (del === 204 || del === 202) {
    const gone = await until(o.pollMs, 120_000, async () =>
      (await nova.server(id)).status === 404 ? Date.now() : undefined,
    );
    deleteMs = gone ? gone - d0 : null;
  }
  return { id, status, fault, postMs: created.ms, activeMs, readyMs, deleteMs, split };
}

/** A fresh copy of `image` (its bytes uploaded again as a new image): its first boot misses the host's cache. */
async function copyImage(a: AdminSession, image: string): Promise<string> {
  const h = { 'x-auth-token': await a.session.token() };
  const src = (await (await fetch(`${a.imageUrl}/v2/images/${image}`, { headers: h })).json()) as {
    disk_format: string;
    container_format: string;
  };
  const data = Buffer.from(
    await (await fetch(`${a.imageUrl}/v2/images/${image}/file`, { headers: h })).arrayBuffer(),
  );
  const made = await fetch(`${a.imageUrl}/v2/images`, {
    method: 'POST',
    headers: { ...h, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `bench-cache-miss-${Date.now()}`,
      disk_format: src.disk_format,
      container_format: src.container_format,
      hw_serial_console: 'true',
    }),
  });
  const id = ((await made.json()) as { id: string }).id;
  const up = await fetch(`${a.imageUrl}/v2/images/${id}/file`, {
    method: 'PUT',
    headers: { ...h, 'content-type': 'application/octet-stream' },
    body: data,
  });
  if (up.status !== 204) throw new Error(`uploading the cache-miss image answered ${up.status}`);
  return id;
}

export interface Stat {
  p50: number;
  p99: number;
  min: number;
  max: number;
  n: number;
}

export const statOf = (xs: Array<number | null>): Stat => {
  const v = xs.filter((x): x is number => x !== null);
  return {
    p50: quantile(v, 0.5),
    p99: quantile(v, 0.99),
    min: v.length ? Math.min(...v) : NaN,
    max: v.length ? Math.max(...v) : NaN,
    n: v.length,
  };
};

export interface LatencyReport {
  image: string;
  flavor: string;
  boots: Boot[];
  warmup: Boot | null;
  cacheMiss: Boot | null;
  active: Stat;
  ready: Stat;
  delete: Stat;
  split: Record<string, Stat>;
  memory: { peakSumMiB: number; peakMiB: Record<string, number>; idleMiB: Record<string, number> };
  cpuMsPerBoot: Record<string, number>;
  machineBusy: number;
}

export async function runLatency(c: Credentials, o: LatencyOptions): Promise<LatencyReport> {
  const a = await adminSession(c, o.url, 2);
  const nova = a.nova;
  const image = await imageId(a, o.image);
  const flavor = o.flavor === 'tiny' ? await ensureFlavor(nova, 'tiny', 1, 256, 1) : o.flavor;
  const watched = new Watched(o.pids);
  const idle = watched.rss();
  let cacheMiss: Boot | null = null;
  if (o.cacheMiss) {
    const copy = await copyImage(a, image);
    try {
      log('  latency: the first boot of a fresh image copy (cache miss)');
      cacheMiss = await oneBoot(nova, o, copy, flavor, 'bench-boot-cache-miss');
    } finally {
      await fetch(`${a.imageUrl}/v2/images/${copy}`, {
        method: 'DELETE',
        headers: { 'x-auth-token': await a.session.token() },
      });
    }
  }
  log('  latency: warm-up boot (not counted)');
  const warmup = await oneBoot(nova, o, image, flavor, 'bench-boot-warmup');
  const stop = watched.sample();
  const cpu0 = watched.cpu();
  const busy = machineBusy();
  const boots: Boot[] = [];
  for (let i = 0; i < o.boots; i++) {
    const b = await oneBoot(nova, o, image, flavor, `bench-boot-${i}`);
    boots.push(b);
    log(
      `  boot ${i + 1}/${o.boots}: ${b.status} active ${b.activeMs ?? '-'} ms, ready ${b.readyMs ?? '-'} ms, delete ${b.deleteMs ?? '-'} ms${b.fault ? ` (${b.fault})` : ''}`,
    );
  }
  const machine = busy();
  const cpu = cpuDelta(cpu0, watched.cpu());
  const mem = stop();
  await nova.close();
  const split: Record<string, Stat> = {};
  for (const [k] of SPLIT_PARTS) split[k] = statOf(boots.map((b) => (b.split ? b.split[k] : null)));
  return {
    image,
    flavor,
    boots,
    warmup,
    cacheMiss,
    active: statOf(boots.map((b) => b.activeMs)),
    ready: statOf(boots.map((b) => b.readyMs)),
    delete: statOf(boots.map((b) => b.deleteMs)),
    split,
    memory: { ...mem, idleMiB: idle },
    cpuMsPerBoot: Object.fromEntries(
      Object.entries(cpu).map(([k, v]) => [k, Math.round((v * 1000) / Math.max(1, boots.length))]),
    ),
    machineBusy: machine,
  };
}
