/** A small Nova v2.1 client for the compute benchmark: one token (as the peer was measured), keep-alive. */
import { Pool } from 'undici';

export interface NovaAnswer<T = unknown> {
  status: number;
  body: T;
  ms: number;
}

export interface ServerView {
  id: string;
  status: string;
  'OS-EXT-SRV-ATTR:host'?: string | null;
  fault?: { message: string };
}

export interface ActionEvent {
  event: string;
  start_time: string | null;
  finish_time: string | null;
  result: string | null;
}

export class Nova {
  readonly pool: Pool;
  private readonly prefix: string;

  constructor(
    readonly url: string,
    private readonly token: () => Promise<string>,
    connections = 8,
  ) {
    const u = new URL(url);
    this.prefix = u.pathname.replace(/\/+$/, '');
    this.pool = new Pool(u.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<NovaAnswer<T>> {
    const t0 = performance.now();
    const res = await this.pool.request({
      method: method as 'GET',
      path: path.startsWith(this.prefix) ? path : `${this.prefix}${path}`,
      headers: {
        'x-auth-token': await this.token(),
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // a non-JSON answer stays text
    }
    return { status: res.statusCode, body: parsed as T, ms: performance.now() - t0 };
  }

  /** POST /servers; throws unless 202. The request id comes back for the action's events. */
  async createServer(server: Record<string, unknown>): Promise<{ id: string; ms: number }> {
    const r = await this.request<{ server?: { id: string } }>('POST', '/servers', { server });
    if (r.status !== 202 || !r.body.server)
      throw new Error(`POST /servers answered ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
    return { id: r.body.server.id, ms: r.ms };
  }

  async server(id: string): Promise<{ status: number; server?: ServerView }> {
    const r = await this.request<{ server?: ServerView }>('GET', `/servers/${id}`);
    return { status: r.status, server: r.body?.server };
  }

  async deleteServer(id: string): Promise<number> {
    return (await this.request('DELETE', `/servers/${id}`)).status;
  }

  /** The create action's events (os-instance-actions), with their start and finish times. */
  async createEvents(id: string): Promise<ActionEvent[]> {
    const list = await this.request<{ instanceActions?: Array<{ action: string; request_id: string }> }>(
      'GET',
      `/servers/${id}/os-instance-actions`,
    );
    const create = list.body.instanceActions?.find((a) => a.action === 'create');
    if (!create) return [];
    const one = await this.request<{ instanceAction?: { events?: ActionEvent[] } }>(
      'GET',
      `/servers/${id}/os-instance-actions/${create.request_id}`,
    );
    return one.body.instanceAction?.events ?? [];
  }

  async consoleOutput(id: string, length = 50): Promise<string> {
    const r = await this.request<{ output?: string }>('POST', `/servers/${id}/action`, {
      'os-getConsoleOutput': { length },
    });
    return r.status >= 200 && r.status < 300 ? (r.body.output ?? '') : ''; // 200 (Nova's); older Kumo builds answered 201
  }

  /** Every server of every project (admin), following the `next` links as openstackclient's `server list` does. */
  /** Every page of /servers (or /servers/detail) of all projects; `filter` adds query parameters (`&status=BUILD`). */
  async listAll(detail = true, filter = ''): Promise<{ servers: ServerView[]; ms: number; pages: number }> {
    const t0 = performance.now();
    const servers: ServerView[] = [];
    let path: string | undefined = `/servers${detail ? '/detail' : ''}?all_tenants=True${filter}`;
    let pages = 0;
    while (path) {
      const r: NovaAnswer<{ servers?: ServerView[]; servers_links?: Array<{ rel: string; href: string }> }> =
        await this.request('GET', path);
      if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}`);
      pages++;
      servers.push(...(r.body.servers ?? []));
      const next = r.body.servers_links?.find((l) => l.rel === 'next')?.href;
      path = next ? new URL(next).pathname + new URL(next).search : undefined;
    }
    return { servers, ms: performance.now() - t0, pages };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Milliseconds since the epoch of an event time (Nova's ISO without a zone is UTC). */
export function eventMs(t: string | null): number | null {
  if (!t) return null;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : `${t}Z`);
  return Number.isFinite(ms) ? ms : null;
}

/** The duration in ms of event `name` (finish - start), or null when it is missing or unfinished. */
export function eventDuration(events: readonly ActionEvent[], name: string): number | null {
  const e = events.find((x) => x.event === name);
  const s = eventMs(e?.start_time ?? null);
  const f = eventMs(e?.finish_time ?? null);
  return s === null || f === null ? null : f - s;
}
