import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { STACK_DIR } from '@kumo/testing';

export const DASHBOARD_ROOT = resolve(__dirname, '../..');

/** A port nobody listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** The built dashboard process (dist/main.api.js) on `port`, with the stack's kumo.yaml (identity, the bus). */
export async function startDashboard(port: number, env: Record<string, string> = {}): Promise<{ proc: ChildProcess; url: string; log: () => string }> {
  const proc = spawn(process.execPath, [join(DASHBOARD_ROOT, 'dist/main.api.js')], {
    env: { ...process.env, KUMO_CONFIG: join(STACK_DIR, 'kumo.yaml'), KUMO_DASHBOARD_PORT: String(port), KUMO_DASHBOARD_BIND_HOST: '127.0.0.1', KUMO_LOGGING_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the dashboard exited ${proc.exitCode}: ${out}`);
    const ok = await fetch(`${url}/healthcheck`).then((r) => r.ok, () => false);
    if (ok) return { proc, url, log: () => out };
    if (Date.now() > deadline) throw new Error(`the dashboard did not answer /healthcheck within 20 s: ${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function stopDashboard(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await gone;
}

/** A browser's cookies for one origin, and requests that send them. */
export class Browser {
  readonly cookies = new Map<string, string>();
  /** Set-Cookie lines of the last answer. */
  lastSetCookie: string[] = [];
  csrf?: string;

  constructor(readonly base: string) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(`${this.base}${path}`, { ...init, headers, redirect: 'manual' });
    this.lastSetCookie = res.headers.getSetCookie();
    for (const line of this.lastSetCookie) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (!value || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  async json<T = Record<string, unknown>>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T; res: Response }> {
    const res = await this.fetch(path, init);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, res };
  }

  /** GET /auth/session, then POST /auth/login with its CSRF token; keeps the session's CSRF token. */
  async login(username: string, password: string, extra: Record<string, unknown> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
    const anon = await this.json<{ csrfToken: string }>('/auth/session');
    const r = await this.json('/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': anon.body.csrfToken },
      body: JSON.stringify({ domain: 'Default', username, password, ...extra }),
    });
    if (r.status === 201) this.csrf = (r.body as { csrfToken: string }).csrfToken;
    return r;
  }
}

/** Reads an SSE stream until `until` says a frame list is enough, or `ms` pass; then closes it. */
export async function readEvents(res: Response, until: (frames: Array<{ event?: string; data: unknown }>) => boolean, ms: number) {
  const frames: Array<{ event?: string; data: unknown }> = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const timer = setTimeout(() => void reader.cancel(), ms);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (data !== undefined) frames.push({ event, data: JSON.parse(data) });
      }
      if (until(frames)) break;
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  return frames;
}
