/** The dashboard server's routes, typed: the session (/auth), the APIs (/api/<type>/...), the events (/events). */

/** An error an API (or the dashboard server) answered: its status and its own message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The message of an error body: OpenStack's faults (`{"error": {"message"}}` from Keystone and the
 * dashboard, Nova's `{"itemNotFound": {"message"}}`, Neutron's `{"NeutronError": {"message"}}`),
 * Glance's and Swift's plain text or HTML; undefined when the body says nothing readable.
 */
export function faultMessage(body: string): string | undefined {
  const text = body.trim();
  if (!text) return undefined;
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    for (const v of [json.error, ...Object.values(json)]) {
      const m = (v as { message?: unknown } | undefined)?.message;
      if (typeof m === 'string' && m) return m;
    }
    if (typeof json.message === 'string') return json.message;
    return undefined;
  } catch {
    // Glance and Swift answer HTML or text: the words without the tags
    const plain = text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    return plain ? plain.slice(0, 500) : undefined;
  }
}

let csrfToken: string | undefined;
/** The session's CSRF token (from GET /auth/session): kept in memory only, sent on every state-changing call. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

type Listener = (status: number) => void;
const unauthorizedListeners = new Set<Listener>();
/** Told of every 401 (the session ended): the app shows the login again. */
export function onUnauthorized(l: Listener): () => void {
  unauthorizedListeners.add(l);
  return () => unauthorizedListeners.delete(l);
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** fetch on the dashboard's origin, the CSRF token added to state-changing calls; a non-2xx is ApiError with the API's message. */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers);
  headers.set('accept', 'application/json');
  if (!SAFE.has(method) && csrfToken) headers.set('x-csrf-token', csrfToken);
  if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
  let res: Response;
  try {
    res = await fetch(path, { ...init, method, headers, credentials: 'same-origin' });
  } catch (err) {
    throw new ApiError(0, `The dashboard server cannot be reached (${(err as Error).message}).`);
  }
  if (res.ok) return res;
  const body = await res.text().catch(() => '');
  const requestId = res.headers.get('x-openstack-request-id') ?? undefined;
  if (res.status === 401) for (const l of unauthorizedListeners) l(401);
  throw new ApiError(res.status, faultMessage(body) ?? `${method} ${path} answered ${res.status} ${res.statusText}.`, requestId);
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await request(path)).json()) as T;
}

export async function sendJson<T>(method: string, path: string, body?: unknown): Promise<T | undefined> {
  const res = await request(path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return text ? (JSON.parse(text) as T) : undefined;
}
