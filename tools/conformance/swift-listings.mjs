#!/usr/bin/env node
// Account and container listings of Kumo compared byte for byte with OpenStack Swift's.
//
// The same names go into both (one container of objects, a few empty containers for the account
// level), the same listing requests (json, plain text, xml; prefix, delimiter with and without a
// prefix, marker and end_marker equal to a subdir, reverse, limit, Accept negotiation, HEAD) go to
// both, and the status, the listing headers and the body are compared after the normalisations
// named in NORMALISE (and nothing else).
//
//   node tools/conformance/swift-listings.mjs record  [--out FILE]   ask Swift (tools/bench/object/swift-setup.sh
//                                                                   start), write its answers as the fixture
//   node tools/conformance/swift-listings.mjs compare [--fixture FILE] [--json]
//                                                                   ask Kumo, compare with the fixture; exit 1 on
//                                                                   a difference (--json: the differences as JSON)
//   node tools/conformance/swift-listings.mjs diff                  ask both live and compare
//
// Swift: http://127.0.0.1:7080 with tempauth admin:admin, the key in .bench/swift/admin.password
// (SWIFT_URL overrides the proxy). Kumo: OS_STORAGE_URL and OS_AUTH_TOKEN when set (as printed by
// `swift auth`), else `swift auth` with .stack/admin-openrc.sh. The names are fixed (a listing's
// bytes include them) and removed before and after a run.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURE = join(ROOT, 'apps/object/test/compat/fixtures/swift-listings.json');

export const CONTAINER = 'kumo-listings';
/** Objects of CONTAINER; each body is its name, so hash and bytes are the same on both sides. */
export const OBJECTS = [
  'a', 'dir/', 'dir/sub/x', 'dir/sub/y', 'dir/x', 'dir/y', 'dir0', 'e/f', 'é/1', 'z&<>"\'.txt', '\u{1F600}/z',
  ...Array.from({ length: 7 }, (_, i) => `page/d${i}/x`), 'page/f1', 'page/f2', 'page/f3',
];
/** Empty containers for the account level (an account's object counts reach it asynchronously in Swift). */
export const CONTAINERS = ['klist.a', 'klist.b_1', 'klist.b_2', 'klist.b_3_x', 'klist.c', 'klist.d_1', 'klist.d_2'];

const C = `/${CONTAINER}`;
const FORMATS = ['json', 'plain', 'xml'];
/** [what it shows, path and query] — each asked in every format. */
const LISTINGS = [
  ['container, everything', `${C}?`],
  ['container, delimiter without prefix', `${C}?delimiter=/`],
  ['container, prefix and delimiter', `${C}?prefix=dir/&delimiter=/`],
  ['container, prefix and delimiter, marker = a subdir (the swift list loop)', `${C}?prefix=dir/&delimiter=/&marker=dir/sub/`],
  ['container, delimiter, marker = a subdir', `${C}?delimiter=/&marker=dir/`],
  ['container, delimiter, end_marker = a subdir', `${C}?delimiter=/&end_marker=dir/`],
  ['container, prefix and delimiter, end_marker = a subdir', `${C}?prefix=dir/&delimiter=/&end_marker=dir/sub/`],
  ['container, delimiter, reverse', `${C}?delimiter=/&reverse=on`],
  ['container, prefix and delimiter, reverse', `${C}?prefix=dir/&delimiter=/&reverse=on`],
  ['container, delimiter, reverse, marker (the upper bound)', `${C}?delimiter=/&reverse=on&marker=dir0`],
  ['container, delimiter, reverse, marker = a subdir', `${C}?delimiter=/&reverse=on&marker=page/`],
  ['container, delimiter, reverse, end_marker = a subdir', `${C}?delimiter=/&reverse=on&end_marker=dir/`],
  ['container, reverse between markers', `${C}?reverse=on&marker=dir/x&end_marker=a`],
  ['container, delimiter, limit', `${C}?delimiter=/&limit=2`],
  ['container, delimiter, limit after a subdir', `${C}?delimiter=/&limit=2&marker=dir/`],
  ['container, prefix and delimiter, limit (a page of subdirs)', `${C}?prefix=page/&delimiter=/&limit=3&marker=page/d2/`],
  ['container, prefix without delimiter', `${C}?prefix=dir`],
  ['container, prefix that matches nothing', `${C}?prefix=nothing`],
  ['container, a delimiter other than /', `${C}?prefix=dir/&delimiter=x`],
  ['container, limit=0', `${C}?limit=0`],
  ['container, path (direct children only)', `${C}?path=dir`],
  ['container, path= (the top level)', `${C}?path=`],
  ['container, path with a trailing slash, reverse', `${C}?path=page/&reverse=on`],
  ['account, prefix', '?prefix=klist.'],
  ['account, prefix and delimiter', '?prefix=klist.&delimiter=_'],
  ['account, prefix and delimiter, marker = a subdir', '?prefix=klist.&delimiter=_&marker=klist.b_'],
  ['account, delimiter without prefix (bounded by markers)', '?delimiter=_&marker=klist.&end_marker=klist/'],
  ['account, prefix and delimiter, end_marker = a subdir', '?prefix=klist.&delimiter=_&end_marker=klist.d_'],
  ['account, prefix and delimiter, reverse', '?prefix=klist.&delimiter=_&reverse=on'],
  ['account, delimiter, reverse, marker = a subdir', '?prefix=klist.&delimiter=_&reverse=on&marker=klist.d_'],
  ['account, delimiter, reverse, end_marker = a subdir', '?prefix=klist.&delimiter=_&reverse=on&end_marker=klist.b_'],
  ['account, prefix and delimiter, limit', '?prefix=klist.&delimiter=_&limit=3'],
  ['account, prefix that matches nothing', '?prefix=klist.nothing'],
];
/** [what it shows, method, path, Accept] — content negotiation without format=. */
const NEGOTIATION = [
  ['container, no Accept', 'GET', `${C}?prefix=dir/&delimiter=/`, undefined],
  ['container, Accept: application/json', 'GET', `${C}?prefix=dir/&delimiter=/`, 'application/json'],
  ['container, Accept: text/xml', 'GET', `${C}?prefix=dir/&delimiter=/`, 'text/xml'],
  ['container, Accept: */*', 'GET', `${C}?prefix=dir/&delimiter=/`, '*/*'],
  ['container, Accept: q-values', 'GET', `${C}?prefix=dir/&delimiter=/`, 'text/plain;q=0.2, application/xml;q=0.9, application/json;q=0.5'],
  ['container, Accept: application/*', 'GET', `${C}?prefix=dir/&delimiter=/`, 'application/*'],
  ['container, Accept: nothing offered', 'GET', `${C}?prefix=dir/&delimiter=/`, 'image/png'],
  ['container, Accept: malformed', 'GET', `${C}?prefix=dir/&delimiter=/`, 'garbage'],
  ['container HEAD, format=json', 'HEAD', `${C}?format=json`, undefined],
  ['container HEAD, no format', 'HEAD', C, undefined],
  ['account, Accept: application/json', 'GET', '?prefix=klist.&delimiter=_', 'application/json'],
  ['account HEAD, format=xml', 'HEAD', '?format=xml', undefined],
];
/** [what it shows, method, path sent as it is (no encoding)] — parameters that are not UTF-8. */
const RAW = [
  ['container, marker not valid UTF-8', 'GET', `${C}?marker=%FF&format=json`],
  ['container, prefix not valid UTF-8', 'GET', `${C}?prefix=dir%C3`],
  ['account, end_marker not valid UTF-8', 'GET', '?end_marker=%E9&prefix=klist.'],
  ['container, a valid UTF-8 prefix, percent-encoded', 'GET', `${C}?prefix=%C3%A9&format=json`],
];

/** Differences written down in docs/object.md ("Listings compared with Swift"): reported, not failed. */
export const KNOWN = {
  'container, Accept: malformed': "Swift's 400 body is the bare text 'Invalid Accept header' (under text/html); Kumo wraps it in its usual <html><h1>Bad Request</h1><p>...</p></html>",
  'container, marker not valid UTF-8': "Swift's 400 body is the bare text '\"marker\" parameter not valid UTF-8' (text/plain); Kumo wraps it in its usual HTML",
  'container, prefix not valid UTF-8': "Swift's 400 body is the bare text '\"prefix\" parameter not valid UTF-8' (text/plain); Kumo wraps it in its usual HTML",
  'account, end_marker not valid UTF-8': "Swift's 400 body is the bare text '\"end_marker\" parameter not valid UTF-8' (text/plain); Kumo wraps it in its usual HTML",
};

/** Headers that are compared; the others (dates, ids, timestamps, account-wide counts) are not. */
const HEADERS = {
  container: ['content-type', 'vary', 'x-container-object-count', 'x-container-bytes-used', 'x-storage-policy', 'accept-ranges'],
  account: ['content-type', 'vary', 'accept-ranges'],
};

/** The only differences allowed between the bodies, each by name. */
export const NORMALISE = [
  ['last_modified (when each side stored the name)', /("last_modified": ")[^"]*(")|(<last_modified>)[^<]*(<\/last_modified>)/g, (_m, a, b, c, d) => (a ? `${a}<time>${b}` : `${c}<time>${d}`)],
  ['the account name in an account XML listing (AUTH_admin vs AUTH_<project id>)', /^(<\?xml[^\n]*\n<account name=")[^"]*(")/, '$1AUTH_test$2'],
];

export function normalise(body) {
  return NORMALISE.reduce((s, [, re, to]) => s.replace(re, to), body);
}

export function cases() {
  const out = [];
  for (const [what, path] of LISTINGS)
    for (const f of FORMATS) out.push({ what: `${what} (${f})`, method: 'GET', path: `${path}${path.endsWith('?') ? '' : '&'}format=${f}` });
  for (const [what, method, path, accept] of NEGOTIATION) out.push({ what, method, path, accept });
  for (const [what, method, path] of RAW) out.push({ what, method, path, raw: true });
  return out;
}

/** A path as written here (`/c/o?k=v&...`), each segment and query key and value percent-encoded. */
function encodePath(path) {
  const [p, q] = path.split('?');
  const query = q ? `?${q.split('&').filter(Boolean).map((kv) => kv.split('=').map(encodeURIComponent).join('=')).join('&')}` : '';
  return `${p.split('/').map(encodeURIComponent).join('/')}${query}`;
}

async function req(target, method, path, { headers = {}, body } = {}) {
  const res = await fetch(`${target.storageUrl}${encodePath(path)}`, { method, headers: { 'x-auth-token': target.token, ...headers }, body });
  const text = method === 'HEAD' ? '' : await res.text();
  return { status: res.status, headers: res.headers, body: text };
}

export async function ask(target) {
  const answers = [];
  for (const c of cases()) {
    const p = c.path.split('?')[0];
    const r = await fetch(`${target.storageUrl}${c.raw ? c.path : encodePath(c.path)}`, {
      method: c.method,
      headers: { 'x-auth-token': target.token, ...(c.accept ? { accept: c.accept } : {}) },
    });
    const body = c.method === 'HEAD' ? '' : await r.text();
    const kind = p === '' ? 'account' : 'container';
    const headers = Object.fromEntries(HEADERS[kind].map((h) => [h, r.headers.get(h)]).filter(([, v]) => v !== null));
    const length = r.headers.get('content-length');
    // a listing's length is its body's (a HEAD's says nothing: Swift sends none or 0)
    if (c.method === 'GET' && r.status < 300 && length !== null && Number(length) !== Buffer.byteLength(body)) headers['content-length'] = `${length} (body ${Buffer.byteLength(body)})`;
    answers.push({ ...c, status: r.status, headers, body: r.status < 300 ? normalise(body) : body.replace(/\s+$/, '') });
  }
  return answers;
}

export async function setup(target) {
  await teardown(target);
  const put = async (path, body, headers = {}) => {
    const r = await req(target, 'PUT', path, { body, headers });
    if (r.status >= 300) throw new Error(`PUT ${path}: ${r.status} ${r.body}`);
  };
  await put(C, undefined);
  for (const name of OBJECTS) await put(`${C}/${name}`, name, { 'content-type': name.endsWith('.txt') ? 'text/plain' : 'application/octet-stream' });
  for (const name of CONTAINERS) await put(`/${name}`, undefined);
}

export async function teardown(target) {
  for (const name of OBJECTS) await req(target, 'DELETE', `${C}/${name}`);
  for (const name of [CONTAINER, ...CONTAINERS]) {
    // a container's object count follows its objects' deletes asynchronously: 409 until it does
    for (let i = 0; i < 20 && (await req(target, 'DELETE', `/${name}`)).status === 409; i++) await new Promise((r) => setTimeout(r, 250));
  }
}

export async function swiftTarget() {
  const base = process.env.SWIFT_URL ?? 'http://127.0.0.1:7080';
  const key = readFileSync(join(ROOT, '.bench/swift/admin.password'), 'utf8').trim();
  const r = await fetch(`${base}/auth/v1.0`, { headers: { 'x-auth-user': 'admin:admin', 'x-auth-key': key } });
  if (r.status !== 200) throw new Error(`Swift's tempauth answered ${r.status}: run tools/bench/object/swift-setup.sh start`);
  return { name: 'swift', storageUrl: r.headers.get('x-storage-url'), token: r.headers.get('x-auth-token') };
}

export function kumoTarget() {
  if (process.env.OS_STORAGE_URL && process.env.OS_AUTH_TOKEN) return { name: 'kumo', storageUrl: process.env.OS_STORAGE_URL, token: process.env.OS_AUTH_TOKEN };
  const out = execFileSync('bash', ['-c', `. '${join(ROOT, '.stack/admin-openrc.sh')}' && swift auth`], { encoding: 'utf8' });
  const get = (k) => new RegExp(`${k}=(\\S+)`).exec(out)?.[1];
  return { name: 'kumo', storageUrl: get('OS_STORAGE_URL'), token: get('OS_AUTH_TOKEN') };
}

/** Every difference between what was expected (Swift) and what came (Kumo), one line of detail each. */
export function differences(expected, got) {
  const out = [];
  for (const [i, e] of expected.entries()) {
    const g = got[i];
    const d = [];
    if (!g || g.path !== e.path || g.method !== e.method || g.accept !== e.accept) {
      out.push({ what: e.what, differences: ['not asked'] });
      continue;
    }
    if (g.status !== e.status) d.push(`status: swift ${e.status}, kumo ${g.status}`);
    for (const h of new Set([...Object.keys(e.headers), ...Object.keys(g.headers)]))
      if (e.headers[h] !== g.headers[h]) d.push(`${h}: swift ${JSON.stringify(e.headers[h] ?? null)}, kumo ${JSON.stringify(g.headers[h] ?? null)}`);
    if (g.body !== e.body) d.push(`body:\n  swift ${JSON.stringify(e.body)}\n  kumo  ${JSON.stringify(g.body)}`);
    if (d.length) out.push({ what: e.what, method: e.method, path: e.path, accept: e.accept, differences: d, known: KNOWN[e.what] });
  }
  return out;
}

async function main() {
  const [mode = 'compare', ...args] = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const run = async (target) => {
    await setup(target);
    try {
      return await ask(target);
    } finally {
      await teardown(target);
    }
  };
  if (mode === 'record') {
    const answers = await run(await swiftTarget());
    const file = opt('--out', FIXTURE);
    mkdirSync(dirname(file), { recursive: true });
    const doc = {
      recorded: 'OpenStack Swift 2.30.1 (Debian bookworm packages, tools/bench/object/swift-setup.sh) by tools/conformance/swift-listings.mjs record',
      normalised: NORMALISE.map(([name]) => name),
      container: CONTAINER,
      objects: OBJECTS,
      containers: CONTAINERS,
      answers,
    };
    writeFileSync(file, `${JSON.stringify(doc, null, 1)}\n`);
    console.log(`${answers.length} answers written to ${file}`);
    return;
  }
  const expected = mode === 'diff' ? await run(await swiftTarget()) : JSON.parse(readFileSync(opt('--fixture', FIXTURE), 'utf8')).answers;
  const got = await run(kumoTarget());
  const diffs = differences(expected, got);
  const unknown = diffs.filter((d) => !d.known);
  if (args.includes('--json')) console.log(JSON.stringify(diffs, null, 1));
  else {
    for (const d of diffs) console.log(`- ${d.known ? 'known difference: ' : ''}${d.what}: ${d.method} ${d.path}${d.accept ? ` (Accept: ${d.accept})` : ''}\n  ${d.differences.join('\n  ')}`);
    console.log(`${expected.length - diffs.length}/${expected.length} listings identical, ${diffs.length - unknown.length} known differences, ${unknown.length} others`);
  }
  process.exitCode = unknown.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 2;
  });
}
