/** Command line of the compute benchmark (pure, so it is unit-tested). */
import { parseFlags, parsePids, positive, UsageError } from './args';

export interface ComputeOptions {
  parts: Array<'latency' | 'scale'>;
  url: string;
  scaleUrl: string;
  boots: number;
  pollMs: number;
  image: string;
  flavor: string;
  readyMarker: string;
  cacheMiss: boolean;
  count: number;
  concurrency: number;
  hosts: number;
  listRepeats: number;
  agentsDir: string;
  pids: Record<string, number>;
  scalePids: Record<string, number>;
  waitIdleSeconds: number;
  timeoutSeconds: number;
  out?: string;
}

export const COMPUTE_USAGE = `usage: node tools/bench/dist/compute.js [--part latency|scale ...] [options]
Credentials: OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME (source .stack/admin-openrc.sh).

  --part P               latency (part 1) and/or scale (part 2); default both
 latency (against the stack's compute, real libvirt/QEMU):
  --url URL              compute endpoint, default http://127.0.0.1:8774/v2.1
  --boots N              sequential measured boots, default 20 (after one warm-up)
  --poll-ms MS           GET poll interval, default 200 (the peer's)
  --image NAME           default kumo-tiny;  --flavor ID  default tiny
  --ready-marker S       console line of a booted guest, default KUMO-GUEST-READY ("" skips)
  --no-cache-miss        skip the first boot of a fresh copy of the image
  --pid NAME=PID         processes whose RSS and CPU are reported (compute-api, compute-scheduler,
                         compute-agent, compute-console: run.sh passes .stack/pids)
 scale (against the bench's own control plane, compute/control-plane.sh):
  --scale-url URL        default http://127.0.0.1:18774/v2.1
  --count N              servers created, one per POST, default 1000
  --concurrency N        POSTs in flight, default 50
  --hosts N              fake hosts that must be up first, default 200
  --list-repeats N       server list repetitions with the servers in the DB, default 30
  --agents-dir DIR       the fake agents' status files, default <repo>/.bench/compute/agents
  --scale-pid NAME=PID   the bench control plane's processes (compute-api, compute-scheduler)
  --timeout S            seconds for every server to reach ACTIVE or ERROR, default 600
 both:
  --wait-idle S          before each part, wait up to S s until the machine is < 15% busy, default 0
  --out DIR              where compute-<date>.json goes, default <repo>/.bench
`;

export function parseComputeArgs(argv: readonly string[], repo: string): ComputeOptions {
  const kv = parseFlags(
    argv,
    /^(part|url|boots|poll-ms|image|flavor|ready-marker|no-cache-miss|pid|scale-url|count|concurrency|hosts|list-repeats|agents-dir|scale-pid|wait-idle|timeout|out)$/,
    ['no-cache-miss'],
  );
  const one = (k: string) => kv.get(k)?.at(-1);
  const parts = (kv.get('part') ?? ['latency', 'scale']).map((p) => {
    if (p !== 'latency' && p !== 'scale') throw new UsageError(`--part wants latency or scale, not "${p}"`);
    return p;
  });
  const url = (k: string, d: string) => {
    const v = one(k) ?? d;
    if (!/^https?:\/\/.+/.test(v)) throw new UsageError(`--${k} wants an http(s) URL, not "${v}"`);
    return v.replace(/\/+$/, '');
  };
  return {
    parts: [...new Set(parts)],
    url: url('url', 'http://127.0.0.1:8774/v2.1'),
    scaleUrl: url('scale-url', 'http://127.0.0.1:18774/v2.1'),
    boots: positive('boots', one('boots'), 20, true),
    pollMs: positive('poll-ms', one('poll-ms'), 200, true),
    image: one('image') ?? 'kumo-tiny',
    flavor: one('flavor') ?? 'tiny',
    readyMarker: one('ready-marker') ?? 'KUMO-GUEST-READY',
    cacheMiss: one('no-cache-miss') !== 'true',
    count: positive('count', one('count'), 1000, true),
    concurrency: positive('concurrency', one('concurrency'), 50, true),
    hosts: positive('hosts', one('hosts'), 200, true),
    listRepeats: positive('list-repeats', one('list-repeats'), 30, true),
    agentsDir: one('agents-dir') ?? `${repo}/.bench/compute/agents`,
    pids: Object.fromEntries(parsePids(kv.get('pid') ?? [])),
    scalePids: Object.fromEntries(parsePids(kv.get('scale-pid') ?? [], 'scale-pid')),
    waitIdleSeconds: positive('wait-idle', one('wait-idle'), 0),
    timeoutSeconds: positive('timeout', one('timeout'), 600),
    out: one('out'),
  };
}
