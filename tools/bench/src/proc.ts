/** Linux /proc readers: a server's process tree, its RSS and CPU time, who listens on a port. */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ: 100 on every Linux architecture Node runs on

interface Stat {
  ppid: number;
  /** utime + stime, in clock ticks */
  cpuTicks: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command may contain spaces and parentheses: fields start after the last ')'
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined; // gone
  }
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

/** Whether process `pid` exists (a zombie counts as gone). */
export function processAlive(pid: number): boolean {
  const stat = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
  })();
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** `root` and all its descendants (uwsgi's master, HTTP router and workers, for instance). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of pids()) {
    const s = readStat(pid);
    if (!s) continue;
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.pop()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** Summed RSS of `pids` in MiB (processes that went away count 0). */
export function rssMiB(pids: readonly number[]): number {
  let kib = 0;
  for (const pid of pids) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kib += Number(m[1]);
    } catch {
      // gone
    }
  }
  return kib / 1024;
}

/**
 * Summed proportional set size of `pids` in MiB (/proc/PID/smaps_rollup): pages shared between them
 * (forked workers and their parent) counted once in all, where RSS counts them in each. NaN when
 * none of them is readable.
 */
export function pssMiB(pids: readonly number[]): number {
  let kib = 0;
  let read = 0;
  for (const pid of pids) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (m) {
        kib += Number(m[1]);
        read++;
      }
    } catch {
      // gone, or no smaps_rollup (Linux < 4.14)
    }
  }
  return read ? kib / 1024 : NaN;
}

/** Summed user+system CPU seconds of `pids`. */
export function cpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (readStat(pid)?.cpuTicks ?? 0), 0) / CLOCK_TICKS;
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
export function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3] + (f[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** Socket inodes listening on TCP `port` (IPv4 and IPv6). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; field 9 is the inode
      if (f.length > 9 && f[1].endsWith(`:${hexPort}`) && f[3] === '0A') inodes.add(f[9]);
    }
  }
  return inodes;
}

/**
 * The process that owns the socket listening on `port`: of the processes holding it (uwsgi's
 * master and its HTTP router both do), the one none of whose ancestors holds it. Needs the
 * permission to read other processes' fds (root, or the same user).
 */
export function pidListeningOn(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const holders = new Set<number>();
  for (const pid of pids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1])) {
          holders.add(pid);
          break;
        }
      } catch {
        // fd closed meanwhile
      }
    }
  }
  for (const pid of holders) {
    let ancestor = readStat(pid)?.ppid;
    let owned = false;
    while (ancestor && ancestor > 1) {
      if (holders.has(ancestor)) owned = true;
      ancestor = readStat(ancestor)?.ppid;
    }
    if (!owned) return pid;
  }
  return undefined;
}

/**
 * Samples the summed RSS of the process trees under `roots` every `everyMs` until stopped;
 * returns the peak in MiB (NaN without roots).
 */
export function sampleRss(roots: number | readonly number[] | undefined, everyMs = 250): () => number {
  const list = (roots === undefined ? [] : typeof roots === 'number' ? [roots] : [...roots]).filter(
    (p) => p > 0,
  );
  if (list.length === 0) return () => NaN;
  const trees = () => list.flatMap((r) => processTree(r));
  let tree = trees();
  let peak = rssMiB(tree);
  let n = 0;
  const timer = setInterval(() => {
    if (++n % 8 === 0) tree = trees(); // workers may be respawned
    peak = Math.max(peak, rssMiB(tree));
  }, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    return Math.max(peak, rssMiB(tree));
  };
}
