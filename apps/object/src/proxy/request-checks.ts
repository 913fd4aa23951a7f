import type { IncomingMessage } from 'node:http';
import { cleanAcl } from './acl';
import { SwiftError } from './swift-errors';
import { versioningHeaders } from './versioning';

/** What a request's names, metadata and headers are checked against: Swift's constraints (also in /info). */
export const LIMITS = {
  max_file_size: 5368709122,
  max_meta_name_length: 128,
  max_meta_value_length: 256,
  max_meta_count: 90,
  max_meta_overall_size: 4096,
  max_header_size: 8192,
  max_object_name_length: 1024,
  container_listing_limit: 10000,
  account_listing_limit: 10000,
  max_account_name_length: 256,
  max_container_name_length: 256,
  extra_header_count: 0,
};

export function validName(kind: string, name: string, max: number): void {
  if (name.length === 0) throw new SwiftError(400, `${kind} name is empty`);
  if (Buffer.byteLength(name) > max) throw new SwiftError(400, `${kind} name length of ${Buffer.byteLength(name)} longer than ${max}`);
  if (name.includes('\0')) throw new SwiftError(400, `${kind} name contains a NUL byte`);
  if (name.includes('\uFFFD')) throw new SwiftError(412, 'Invalid UTF8 or contains NULL');
}

/** Swift's checks of the names in a path (an object name's `.`/`..` segments would be resolved away by clients). */
export function checkNames(account: string, container: string | undefined, object: string | undefined): void {
  validName('Account', account, LIMITS.max_account_name_length);
  if (container !== undefined) validName('Container', container, LIMITS.max_container_name_length);
  // an encoded slash would reach the storage nodes as a container and an object (Swift decodes the
  // whole path first, so there it names an object); `.`/`..` are normalized away by most clients
  for (const [kind, name] of [['Account', account], ['Container', container]] as const) {
    if (name?.includes('/')) throw new SwiftError(400, `${kind} name cannot contain slashes`);
    if (name === '.' || name === '..') throw new SwiftError(400, `${kind} name cannot be . or ..`);
  }
  if (object !== undefined) {
    validName('Object', object, LIMITS.max_object_name_length);
    if (object.split('/').some((seg) => seg === '..' || seg === '.')) throw new SwiftError(400, 'Object name contains a . or .. path segment');
  }
}

/** The latest X-Delete-At Swift stores (normalize_delete_at_timestamp: ten digits, 2286-11-20). */
const MAX_DELETE_AT = 9_999_999_999;

/**
 * X-Delete-At / X-Delete-After of an object PUT or POST as the X-Delete-At to store, or undefined when
 * neither is given — Swift's check_delete_headers: integers (Python's int(): a sign allowed), the
 * result clamped to ten digits, never in the past.
 */
export function deleteAtHeader(req: IncomingMessage, now = Date.now() / 1000): string | undefined {
  const after = req.headers['x-delete-after'];
  const at = req.headers['x-delete-at'];
  const integer = (v: string) => (/^\s*[+-]?\d+\s*$/.test(v) ? Number(v.trim()) : undefined);
  const normalize = (t: number) => String(Math.min(Math.max(0, Math.floor(t)), MAX_DELETE_AT)).padStart(10, '0');
  if (after !== undefined) {
    const n = integer(String(after));
    if (n === undefined) throw new SwiftError(400, 'Non-integer X-Delete-After');
    const value = normalize(now + n);
    if (Number(value) <= now) throw new SwiftError(400, 'X-Delete-After in past');
    return value;
  }
  if (at === undefined) return undefined;
  const n = integer(String(at));
  if (n === undefined) throw new SwiftError(400, 'Non-integer X-Delete-At');
  const value = normalize(n);
  if (Number(value) <= now) throw new SwiftError(400, 'X-Delete-At in past');
  return value;
}

/**
 * Metadata headers of a kind, validated against Swift's limits. `X-Remove-<Kind>-Meta-K` and an empty
 * `X-<Kind>-Meta-K:` remove K.
 */
export function metaHeaders(req: IncomingMessage, kind: 'account' | 'container' | 'object'): Record<string, string> {
  const out: Record<string, string> = {};
  let count = 0;
  let size = 0;
  for (const [k, v] of Object.entries(req.headers)) {
    const value = String(v);
    const meta = k.startsWith(`x-${kind}-meta-`);
    const remove = k.startsWith(`x-remove-${kind}-meta-`);
    if (meta || remove) {
      const name = meta ? k.slice(`x-${kind}-meta-`.length) : k.slice(`x-remove-${kind}-meta-`.length);
      if (name === '') throw new SwiftError(400, 'Metadata name cannot be empty');
      if (name.length > LIMITS.max_meta_name_length) throw new SwiftError(400, `Metadata name too long: ${name}`);
      if (value.length > LIMITS.max_meta_value_length) throw new SwiftError(400, `Metadata value longer than ${LIMITS.max_meta_value_length}: ${name}`);
      count++;
      size += name.length + value.length;
      // an empty value removes the key: a container's or account's database keeps '' as a removal
      // (newest timestamp wins); an object's metadata is replaced whole, so a removed key is left out
      if (kind !== 'object') out[`x-${kind}-meta-${name}`] = remove ? '' : value;
      else if (!remove && value !== '') out[`x-${kind}-meta-${name}`] = value;
    }
  }
  if (count > LIMITS.max_meta_count) throw new SwiftError(400, `Too many metadata items; max ${LIMITS.max_meta_count}`);
  if (size > LIMITS.max_meta_overall_size) throw new SwiftError(400, `Total metadata too large; max ${LIMITS.max_meta_overall_size}`);
  return out;
}

/** A container PUT/POST's ACL and versioning headers, ACLs cleaned as Swift does (400 for a bad one). */
export function containerAcls(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = versioningHeaders(req);
  for (const h of ['x-container-read', 'x-container-write']) {
    if (req.headers[h] === undefined) continue;
    try {
      out[h] = cleanAcl(h, String(req.headers[h]));
    } catch (err) {
      throw new SwiftError(400, (err as Error).message);
    }
  }
  return out;
}

/** An X-Copy-From / Destination value as its container and object (412 when it is not `<container>/<object>` or not UTF-8). */
export function splitCopyPath(value: string, header: string): [string, string] {
  let path: string;
  try {
    path = decodeURIComponent(value);
  } catch {
    throw new SwiftError(412, `${header} header must be UTF-8`);
  }
  const m = /^\/?([^/]+)\/(.+)$/.exec(path);
  if (!m) throw new SwiftError(412, `${header} header must be of the form <container name>/<object name>`);
  return [m[1], m[2]];
}
