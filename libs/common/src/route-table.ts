/** One route of an HTTP app as Fastify registered it (`url` with `:param` placeholders). */
export interface HttpRoute {
  method: string;
  url: string;
}

interface Table {
  routes: HttpRoute[];
  matchers: Array<{ method: string; test: RegExp }>;
}

const TABLES = new WeakMap<object, Table>();

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A route's URL as a regular expression over a request path: `:param` (with or without a Fastify
 * regex suffix) matches one non-empty segment, `*` the rest. Regex constraints are not applied, so
 * this is only used to tell "no such path" from "no such method here".
 */
function routeRegExp(url: string): RegExp {
  const parts = url.split('/').map((seg) => {
    if (seg === '*') return '.*';
    // a segment may mix text and params (`:a(x|y).json`); each param takes the non-slash run
    return seg
      .split(/(:[A-Za-z0-9_]+(?:\([^)]*\))?)/)
      .map((p) => (p.startsWith(':') ? '[^/]+' : escape(p)))
      .join('');
  });
  return new RegExp(`^${parts.join('/')}/?$`);
}

/** Starts recording the routes of a Fastify instance (call before routes are registered). */
export function recordRoutes(fastify: { addHook(name: 'onRoute', fn: (route: { method: string | string[]; url: string }) => void): unknown }): void {
  const table: Table = { routes: [], matchers: [] };
  TABLES.set(fastify, table);
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      table.routes.push({ method, url: route.url });
      if (route.url !== '*') table.matchers.push({ method, test: routeRegExp(route.url) });
    }
  });
}

/** The recorded routes of a Fastify instance. */
export function recordedRoutes(fastify: object): HttpRoute[] {
  return [...(TABLES.get(fastify)?.routes ?? [])];
}

/** The methods some route serves at this request path (empty when none does). */
export function methodsAt(fastify: object, path: string): string[] {
  const table = TABLES.get(fastify);
  if (!table) return [];
  const found = new Set<string>();
  for (const m of table.matchers) if (m.test.test(path)) found.add(m.method);
  return [...found].sort();
}
