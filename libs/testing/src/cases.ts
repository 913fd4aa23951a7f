import fc from 'fast-check';
import type { FuzzRequest } from './http';

/** One route as its table holds it: `/v3/users/:user_id` (Fastify) or `/v1/{account}` (object). */
export interface FuzzRoute {
  method: string;
  path: string;
}

export interface CaseOptions {
  /**
   * Values of path parameters that exist, so that cases reach past the lookup: by the static segment
   * before the parameter (`projects` for `/v3/projects/:id`), else by the parameter's name (`account`).
   */
  fixtures: Record<string, string>;
  /** Headers of a valid admin request (e.g. x-auth-token). */
  auth: Record<string, string>;
  /** Headers every request carries (e.g. accept: application/json). */
  headers?: Record<string, string>;
  /** The JSON wrapper key of a route's body (`{"user": {...}}`); default: the last static segment, singular. */
  bodyKey?: (route: FuzzRoute) => string | undefined;
  /** Extra bodies for a route (e.g. JSON patch documents): [content-type, body]. */
  extraBodies?: (route: FuzzRoute) => Array<[string, string | Buffer]>;
  /** Random cases per route (fast-check, seeded). */
  randomRuns: number;
  /**
   * How many of the fixed parameter and query values each route gets (default: all). Each route
   * takes the next ones in turn, so that every value still meets many routes in a shorter run.
   */
  perRoute?: { params: number; query: number };
  seed: number;
}

/** Percent-encodes every byte of the UTF-8 text outside RFC 3986's unreserved set. */
export function pct(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'prototype', 'hasOwnProperty', 'valueOf'];

/** Path parameter values, already encoded as they go on the wire. */
export const PARAM_VALUES: string[] = [
  ...PROTO_NAMES,
  '%2F',
  'a%2Fb',
  '..',
  '.',
  '%2E%2E',
  '..%2F..%2Fetc',
  'a%00b',
  '%00',
  '%FF%FE',
  '%C0%AF',
  '%ED%A0%80',
  '%0D%0Ax-injected:%201',
  '%20',
  '-1',
  '0',
  '99999999999999999999999',
  '1e309',
  'null',
  'true',
  '%5Bobject%20Object%5D',
  "'%20OR%201%3D1%20--",
  '%25',
  '%2A',
  'x'.repeat(99),
  'x'.repeat(400),
  'x'.repeat(1100),
  '00000000-0000-0000-0000-000000000000',
];

/** Query strings, already encoded. */
export const QUERY_VALUES: string[] = [
  'limit=0',
  'limit=-1',
  'limit=abc',
  'limit=1.5',
  'limit=99999999999999999999',
  'limit=1e400',
  'limit=',
  'limit=1&limit=2',
  'limit=%00',
  'marker=__proto__',
  'marker=%00',
  'marker=%FF',
  `marker=${'m'.repeat(5000)}`,
  'marker=00000000-0000-0000-0000-000000000000',
  'end_marker=%00',
  'sort_key=__proto__',
  'sort_key=constructor',
  'sort_key=toString',
  'sort_key=name&sort_key=__proto__',
  'sort=__proto__:asc',
  'sort=constructor',
  'sort=name:sideways',
  'sort_dir=sideways',
  'sort_dir=__proto__',
  '__proto__=x',
  '__proto__[admin]=1',
  'constructor=x',
  'constructor[prototype][x]=1',
  'toString=x',
  'hasOwnProperty=x',
  'name=%00',
  'name=a%00b',
  'name=%FF%FE',
  `name=${'n'.repeat(8000)}`,
  'name=1&name=2',
  'a[b]=c',
  '%00=1',
  '=',
  '&&&',
  'prefix=%FF&delimiter=%00',
  'delimiter=%F0%9F%98%80%F0%9F%98%80',
  'format=xml',
  'format=__proto__',
  'reverse=maybe',
  'member_status=garbage',
  'visibility=__proto__',
  'os_hidden=maybe',
  'created_at=gte:garbage',
  'size_min=abc',
  'size_max=-1',
  'enabled=maybe',
  'is_domain=maybe',
  'parent_id=%00',
  'domain_id=__proto__',
  'nocatalog=%00',
  'multipart-manifest=get',
  'multipart-manifest=__proto__',
  'bulk-delete',
  'extract-archive=tar',
  'temp_url_sig=x&temp_url_expires=abc',
  'temp_url_sig=x&temp_url_expires=9999999999&filename=a%0D%0Ab',
  'symlink=get',
  'versions',
];

/**
 * Expands Fastify's alternation parameters (`/v3/:targets(projects|domains)/:id`) into one route per
 * alternative, so that each reaches its handler; other routes are kept as they are.
 */
export function expandRoutes(routes: FuzzRoute[]): FuzzRoute[] {
  return routes.flatMap((route) => {
    let paths = [''];
    for (const seg of route.path.split('/').slice(1)) {
      const alt = /^:[A-Za-z0-9_]+\(([A-Za-z0-9_|-]+)\)$/.exec(seg);
      const options = alt ? alt[1].split('|') : [seg];
      paths = paths.flatMap((p) => options.map((o) => `${p}/${o}`));
    }
    return paths.map((path) => ({ method: route.method, path }));
  });
}

function singular(segment: string): string {
  if (segment.endsWith('ies')) return `${segment.slice(0, -3)}y`;
  if (segment.endsWith('s')) return segment.slice(0, -1);
  return segment;
}

interface Segment {
  text: string;
  param?: string;
}

export function parseRoute(path: string): Segment[] {
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      const m = /^:([A-Za-z0-9_]+)|^\{([A-Za-z0-9_]+)\}$/.exec(s);
      return m ? { text: s, param: m[1] ?? m[2] } : { text: s };
    });
}

function buildPath(segments: Segment[], values: Record<string, string>, fixtures: Record<string, string>): string {
  return `/${segments
    .map((s, i) => {
      if (!s.param) return s.text;
      const before = i > 0 && !segments[i - 1].param ? segments[i - 1].text : undefined;
      return values[s.param] ?? (before !== undefined ? fixtures[before] : undefined) ?? fixtures[s.param] ?? 'fuzz-missing';
    })
    .join('/')}`;
}

/** The JSON bodies every mutating route gets, wrapped in its resource key where it has one. */
function jsonBodies(key: string | undefined): Array<string | Buffer> {
  const wrap = (inner: string): string => (key ? `{"${key}":${inner}}` : inner);
  const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  return [
    '{"a":',
    '',
    'null',
    '[]',
    '"str"',
    '123',
    'true',
    '{}',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"admin":true}}}',
    '{"toString":1,"hasOwnProperty":2}',
    deep,
    wrap('null'),
    wrap('[]'),
    wrap('"x"'),
    wrap('12'),
    wrap('{}'),
    wrap('{"name":"a\\u0000b"}'),
    wrap('{"name":""}'),
    wrap(`{"name":"${'x'.repeat(70_000)}"}`),
    wrap('{"name":12}'),
    wrap('{"name":["a"]}'),
    wrap('{"name":{"__proto__":1}}'),
    wrap('{"__proto__":{"name":"x"}}'),
    wrap('{"id":"__proto__","name":"constructor"}'),
    wrap('{"name":"ok","extra":{"constructor":{"prototype":{}}}}'),
    wrap('{"tags":["a\\u0000"],"name":"t"}'),
    Buffer.concat([Buffer.from(key ? `{"${key}":{"name":"` : '{"name":"'), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from(key ? '"}}' : '"}')]),
  ];
}

const OTHER_TYPES: Array<[string, string]> = [
  ['text/plain', 'hello'],
  ['application/x-www-form-urlencoded', 'a=b&__proto__[x]=1'],
  ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n'],
  ['application/xml', '<a/>'],
  [';;;', '{}'],
  ['application/json; charset=latin1', '{}'],
  ['application/json-patch+json', '[{"op":"add","path":"/__proto__/x","value":1}]'],
  ['application/octet-stream', 'abc'],
];

/** Every case of one route, in a fixed order, the random ones drawn from `seed`. */
export function casesFor(route: FuzzRoute, index: number, opts: CaseOptions): FuzzRequest[] {
  const segments = parseRoute(route.path);
  const params = segments.filter((s) => s.param).map((s) => s.param as string);
  const real = buildPath(segments, {}, opts.fixtures);
  const base = { ...(opts.headers ?? {}) };
  const authed = { ...base, ...opts.auth };
  const mutating = route.method !== 'GET' && route.method !== 'HEAD';
  // a DELETE of the fixtures themselves would remove what later cases need: it only gets cases
  // that change a path parameter or drop the token
  const destructiveOnReal = route.method === 'DELETE';
  const out: FuzzRequest[] = [];
  const add = (r: Omit<FuzzRequest, 'method'>): void => void out.push({ method: route.method, ...r });

  // Fastify answers HEAD with its GET handler: a HEAD route gets a few cases of each kind only
  const head = route.method === 'HEAD';
  const paramValues = rotate(PARAM_VALUES, head ? 6 : (opts.perRoute?.params ?? PARAM_VALUES.length), index);
  const queryValues = rotate(QUERY_VALUES, head ? 6 : (opts.perRoute?.query ?? QUERY_VALUES.length), index);
  for (const [i, p] of params.entries()) {
    for (const v of i === params.length - 1 ? paramValues : rotate(paramValues, 6, i)) add({ kind: 'params', path: buildPath(segments, { [p]: v }, opts.fixtures), headers: authed });
  }
  if (!destructiveOnReal) {
    for (const q of queryValues) add({ kind: 'query', path: `${real}?${q}`, headers: authed });
  }
  if (mutating && !destructiveOnReal) {
    const key = opts.bodyKey ? opts.bodyKey(route) : lastStaticSingular(segments);
    for (const body of jsonBodies(key)) add({ kind: 'body', path: real, headers: { ...authed, 'content-type': 'application/json' }, body: Buffer.from(body) });
    for (const [type, body] of [...OTHER_TYPES, ...(opts.extraBodies?.(route) ?? [])]) add({ kind: 'body', path: real, headers: { ...authed, 'content-type': type }, body: Buffer.from(body) });
    add({ kind: 'body', path: real, headers: { ...authed, 'content-type': 'application/json' }, body: Buffer.alloc(3 * 1024 * 1024, 0x20) });
  }
  const headerCases: Array<Record<string, string>> = [
    base,
    { ...base, 'x-auth-token': 'garbage' },
    { ...base, 'x-auth-token': 't'.repeat(8000) },
    { ...base, 'x-auth-token': '__proto__' },
    { ...base, 'x-auth-token': '' },
  ];
  if (!destructiveOnReal) {
    headerCases.push(
      { ...authed, 'x-openstack-request-id': 'not-a-request-id' },
      { ...authed, accept: 'application/xml' },
      { ...authed, accept: '*/*;q=garbage' },
      { ...authed, range: 'bytes=zzz' },
      { ...authed, range: 'bytes=999999999999999999999-' },
      { ...authed, 'if-none-match': 'garbage' },
      { ...authed, 'if-match': '"__proto__"' },
      { ...authed, 'if-modified-since': 'yesterday' },
      { ...authed, 'x-subject-token': '__proto__' },
      { ...authed, 'openstack-api-version': 'identity __proto__' },
      { ...authed, 'x-newest': 'maybe', 'x-delete-at': 'abc', 'x-delete-after': '-5' },
      { ...authed, 'x-object-meta-__proto__': 'x', 'x-container-meta-constructor': 'y' },
      { ...authed, 'x-copy-from': '%2F..%2F..' },
      { ...authed, destination: '/../../x' },
      { ...authed, 'x-container-read': '.r:*,.rlistings,__proto__' },
      { ...authed, 'x-versions-location': '%00', 'x-history-location': '..' },
      { ...authed, 'x-big': 'b'.repeat(20_000) },
      { ...authed, 'transfer-encoding': 'gzip' },
    );
  }
  for (const headers of headerCases) add({ kind: 'headers', path: real, headers });
  if (mutating && !destructiveOnReal) {
    add({ kind: 'cut-off', path: real, headers: { ...authed, 'content-type': 'application/json' }, body: Buffer.from('{"a": 1'), cutOff: { declared: 1000 } });
    add({ kind: 'cut-off', path: real, headers: { ...authed, 'content-type': 'application/octet-stream' }, body: Buffer.alloc(100, 0x61), cutOff: { declared: 1 << 20 } });
  }
  out.push(...randomCases(route, segments, index, opts, authed, destructiveOnReal));
  return out;
}

/** `n` values of `list` starting at the `index`-th block of `n` (wrapping), or all when n >= length. */
function rotate<T>(list: T[], n: number, index: number): T[] {
  if (n >= list.length) return list;
  const start = (index * n) % list.length;
  return Array.from({ length: n }, (_, i) => list[(start + i) % list.length]);
}

function lastStaticSingular(segments: Segment[]): string | undefined {
  const last = [...segments].reverse().find((s) => !s.param && !/^v\d/.test(s.text));
  return last ? singular(last.text.replace(/^OS-[A-Z0-9]+$/, '')) || undefined : undefined;
}

/** Random text: any code unit (lone surrogates included) or any byte (invalid UTF-8 once encoded). */
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom(...PROTO_NAMES));
const rawBytes = fc.uint8Array({ maxLength: 40 }).map((a) => Array.from(a, (b) => `%${b.toString(16).padStart(2, '0')}`).join(''));
const jsonish = fc.jsonValue({ maxDepth: 3 });
const protoObject = fc.dictionary(fc.oneof(fc.constantFrom(...PROTO_NAMES), fc.string({ maxLength: 8 })), jsonish, { maxKeys: 4 });

function randomCases(route: FuzzRoute, segments: Segment[], index: number, opts: CaseOptions, authed: Record<string, string>, destructiveOnReal: boolean): FuzzRequest[] {
  const params = segments.filter((s) => s.param).map((s) => s.param as string);
  const arb = fc.record({
    param: params.length ? fc.constantFrom(...params) : fc.constant(undefined),
    value: fc.oneof(text.map(pct), rawBytes),
    query: fc.array(fc.tuple(fc.oneof(text.map(pct), rawBytes), fc.oneof(text.map(pct), rawBytes)), { maxLength: 4 }),
    body: fc.oneof(jsonish.map((v) => JSON.stringify(v)), protoObject.map((v) => JSON.stringify(v)), text),
  });
  const runs = route.method === 'HEAD' ? Math.min(2, opts.randomRuns) : opts.randomRuns;
  const samples = fc.sample(arb, { seed: opts.seed + index, numRuns: runs });
  const mutating = route.method !== 'GET' && route.method !== 'HEAD';
  return samples
    .filter((s) => !(destructiveOnReal && !s.param))
    .map((s) => {
      const path = buildPath(segments, s.param ? { [s.param]: s.value || 'x' } : {}, opts.fixtures);
      const query = s.query.map(([k, v]) => `${k}=${v}`).join('&');
      const key = opts.bodyKey ? opts.bodyKey(route) : lastStaticSingular(segments);
      return {
        kind: 'random',
        method: route.method,
        path: query ? `${path}?${query}` : path,
        headers: mutating ? { ...authed, 'content-type': 'application/json' } : authed,
        body: mutating ? Buffer.from(key ? `{"${key}":${s.body.startsWith('{') ? s.body : JSON.stringify({ name: s.body })}}` : s.body) : undefined,
      };
    });
}
