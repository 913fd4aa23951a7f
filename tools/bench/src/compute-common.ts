/** What the compute benchmark's parts share: the admin session, the processes watched, the machine's load. */
import { ServiceSession } from '@kumo/sdk';
import { cpuSeconds, machineTicks, processAlive, rssMiB } from './proc';
import { Nova } from './compute-nova';

export interface Credentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
}

/** OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME (an openrc), as the other benches. */
export function credentialsFromEnv(env = process.env): Credentials {
  const need = (k: string) => {
    const v = env[k];
    if (!v) throw new Error(`${k} is not set: source .stack/admin-openrc.sh`);
    return v;
  };
  return {
    authUrl: need('OS_AUTH_URL'),
    username: need('OS_USERNAME'),
    password: need('OS_PASSWORD'),
    projectName: env.OS_PROJECT_NAME ?? 'admin',
  };
}

export interface AdminSession {
  session: ServiceSession;
  projectId: string;
  nova: Nova;
  imageUrl: string;
}

/** One login (one token for the whole run, as the peer was measured); the project's id; Nova at `computeUrl`. */
export async function adminSession(
  c: Credentials,
  computeUrl: string,
  connections: number,
): Promise<AdminSession> {
  const session = new ServiceSession({
    authUrl: c.authUrl,
    username: c.username,
    password: c.password,
    projectName: c.projectName,
  });
  const token = await session.token();
  const res = await fetch(`${session.identityUrl}/auth/tokens`, {
    headers: { 'x-auth-token': token, 'x-subject-token': token },
  });
  const body = (await res.json()) as { token?: { project?: { id: string } } };
  const projectId = body.token?.project?.id;
  if (!projectId) throw new Error(`cannot read the project of ${c.username}'s token (HTTP ${res.status})`);
  const imageUrl = (
    await session.endpoint('image', { interface: 'public' }).catch(() => 'http://127.0.0.1:9292')
  ).replace(/\/+$/, '');
  return {
    session,
    projectId,
    nova: new Nova(computeUrl.replace(/\/+$/, ''), () => session.token(), connections),
    imageUrl,
  };
}

/** The id of the active image named `name` (kumo-tiny). */
export async function imageId(a: AdminSession, name: string): Promise<string> {
  const res = await fetch(`${a.imageUrl}/v2/images?name=${encodeURIComponent(name)}&status=active`, {
    headers: { 'x-auth-token': await a.session.token() },
  });
  const images = ((await res.json()) as { images?: Array<{ id: string }> }).images ?? [];
  if (!images[0])
    throw new Error(`no active image named ${name} in ${a.imageUrl} (./stack.sh uploads kumo-tiny)`);
  return images[0].id;
}

/** The id of flavor `name` on this API, created (public, vcpus/ram/disk) when it is missing. */
export async function ensureFlavor(
  nova: Nova,
  name: string,
  vcpus: number,
  ram: number,
  disk: number,
): Promise<string> {
  const have = await nova.request<{ flavor?: { id: string } }>('GET', `/flavors/${name}`);
  if (have.status === 200 && have.body.flavor) return have.body.flavor.id;
  const made = await nova.request<{ flavor?: { id: string } }>('POST', '/flavors', {
    flavor: { name, id: name, vcpus, ram, disk },
  });
  if (made.status !== 200 || !made.body.flavor)
    throw new Error(
      `cannot create flavor ${name}: ${made.status} ${JSON.stringify(made.body).slice(0, 200)}`,
    );
  return made.body.flavor.id;
}

/** Processes watched by name (compute-api, compute-scheduler, ...): RSS now, CPU seconds, peak of their sum. */
export class Watched {
  readonly pids: Record<string, number>;

  /** Processes that are gone (a restarted service's old pid) are left out, and said so. */
  constructor(pids: Record<string, number>) {
    this.pids = Object.fromEntries(Object.entries(pids).filter(([, p]) => processAlive(p)));
    const gone = Object.keys(pids).filter((n) => !(n in this.pids));
    if (gone.length)
      process.stderr.write(
        `  not running (not counted): ${gone.map((n) => `${n} (pid ${pids[n]})`).join(', ')}\n`,
      );
  }

  rss(): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.pids).map(([n, p]) => [n, Math.round(rssMiB([p]) * 10) / 10]),
    );
  }

  cpu(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.pids).map(([n, p]) => [n, cpuSeconds([p])]));
  }

  /** Samples the summed RSS (and each process's) every `everyMs` until the returned function is called. */
  sample(everyMs = 250): () => { peakSumMiB: number; peakMiB: Record<string, number> } {
    const peak: Record<string, number> = this.rss();
    let peakSum = Object.values(peak).reduce((a, b) => a + b, 0);
    const timer = setInterval(() => {
      const now = this.rss();
      peakSum = Math.max(
        peakSum,
        Object.values(now).reduce((a, b) => a + b, 0),
      );
      for (const [n, v] of Object.entries(now)) peak[n] = Math.max(peak[n] ?? 0, v);
    }, everyMs);
    timer.unref();
    return () => {
      clearInterval(timer);
      return { peakSumMiB: Math.round(peakSum * 10) / 10, peakMiB: peak };
    };
  }
}

/** CPU seconds used by each process between two readings. */
export function cpuDelta(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(b).map((k) => [k, Math.round((b[k] - (a[k] ?? 0)) * 1000) / 1000]));
}

/** The machine's busy share between `start()` and the returned function's call. */
export function machineBusy(): () => number {
  const m0 = machineTicks();
  return () => {
    const m1 = machineTicks();
    return (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total);
  };
}

export const FINAL = new Set(['ACTIVE', 'ERROR']);
