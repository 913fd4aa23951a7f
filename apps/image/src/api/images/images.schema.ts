import { BadRequest } from '@kumo/common';
import type { ListQuery, TimeFilter } from '../../services/image-list';
import { SORT_KEYS } from '../../services/image-list';

/** Query parameters with their own meaning; any other one filters on a property of that name. */
const KNOWN_PARAMS: ReadonlySet<string> = new Set([
  'limit', 'marker', 'name', 'status', 'visibility', 'owner', 'tag', 'disk_format', 'container_format', 'size_min', 'size_max',
  'member_status', 'os_hidden', 'protected', 'created_at', 'updated_at', 'sort_key', 'sort_dir', 'sort', 'changes-since',
]);
const VISIBILITIES: ReadonlySet<string> = new Set(['community', 'public', 'private', 'shared', 'all']);
const MEMBER_STATUSES: ReadonlySet<string> = new Set(['pending', 'accepted', 'rejected', 'all']);
const TIME_OPERATORS: ReadonlySet<string> = new Set(['gt', 'gte', 'lt', 'lte', 'neq', 'eq']);
/** ISO 8601 as oslo's parse_isotime takes it (a time without zone is UTC). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

type Raw = Record<string, string | string[] | undefined>;

function all(q: Raw, k: string): string[] {
  const v = Object.hasOwn(q, k) ? q[k] : undefined;
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
function one(q: Raw, k: string): string | undefined {
  return all(q, k)[0];
}

/** Python's int(): optional sign, digits, surrounding blanks. */
function pyInt(v: string): number | undefined {
  return /^\s*[+-]?\d+\s*$/.test(v) ? Number(v) : undefined;
}

function limitParam(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = pyInt(v);
  if (n === undefined) throw new BadRequest('limit param must be an integer');
  if (n < 0) throw new BadRequest('limit param must be positive');
  return n;
}

function rangeParam(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = pyInt(v);
  if (n === undefined || !Number.isSafeInteger(n)) throw new BadRequest('Unable to filter on a range with a non-numeric value.');
  return n;
}

function boolParam(name: string, v: string | undefined, lower: boolean): boolean | undefined {
  if (v === undefined) return undefined;
  const s = lower ? v.toLowerCase() : v;
  if (s !== 'true' && s !== 'false') throw new BadRequest(`Invalid value '${s}' for '${name}' filter. Valid values are 'true' or 'false'.`);
  return s === 'true';
}

function parseTime(s: string): Date | undefined {
  const t = s.trim();
  const m = ISO_TIME.exec(t);
  if (!m) return undefined;
  let text = t.replace(' ', 'T');
  if (!m[1] && text.includes('T')) text += 'Z';
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Glance's `created_at=gte:2020-01-01T00:00:00Z` (an ISO time alone means eq). */
function timeParam(name: 'created_at' | 'updated_at', v: string | undefined): TimeFilter | undefined {
  if (v === undefined) return undefined;
  let op = 'eq';
  let text = v;
  const colon = v.indexOf(':');
  if (colon >= 0 && parseTime(v) === undefined) {
    op = v.slice(0, colon);
    text = v.slice(colon + 1);
  }
  const at = parseTime(text);
  if (!at) throw new BadRequest(`Bad "${name}" query filter format. Use ISO 8601 DateTime notation.`);
  if (!TIME_OPERATORS.has(op)) throw new BadRequest('Unable to filter on a unknown operator.');
  return { op: op as TimeFilter['op'], at };
}

function sortKey(key: string): string {
  if (!SORT_KEYS.has(key)) throw new BadRequest(`Invalid sort key: ${key}. It must be one of the following: ${[...SORT_KEYS.keys()].join(', ')}.`);
  return key;
}
function sortDir(d: string): 'asc' | 'desc' {
  if (d !== 'asc' && d !== 'desc') throw new BadRequest(`Invalid sort direction: ${d}`);
  return d;
}

/** Glance's `sort_key`/`sort_dir` (repeatable; one dir applies to every key) or `sort=key:dir,key`. */
function sortParams(q: Raw): ListQuery['sort'] {
  const sort = all(q, 'sort');
  if (sort.length) {
    if (all(q, 'sort_key').length || all(q, 'sort_dir').length) throw new BadRequest('Old and new sorting syntax cannot be combined');
    return sort[0]
      .trim()
      .split(',')
      .map((part) => {
        const at = part.indexOf(':');
        const key = at < 0 ? part : part.slice(0, at);
        const dir = at < 0 ? '' : part.slice(at + 1);
        return { key: sortKey(key.trim()), dir: dir ? sortDir(dir.trim()) : 'desc' };
      });
  }
  const keys = all(q, 'sort_key').map((k) => sortKey(k.trim()));
  const dirs = all(q, 'sort_dir').map((d) => sortDir(d.trim()));
  if (dirs.length > 1 && dirs.length !== keys.length) throw new BadRequest('Number of sort dirs does not match the number of sort keys');
  return keys.map((key, i) => ({ key, dir: dirs[i] ?? dirs[0] ?? 'desc' }));
}

/** `GET /v2/images`'s query string, validated as Glance validates it (every refusal a 400). */
export function parseListQuery(q: Raw): ListQuery {
  if (one(q, 'changes-since') !== undefined) throw new BadRequest('The "changes-since" filter is no longer available on v2.');
  const visibility = one(q, 'visibility');
  if (visibility !== undefined && visibility !== '' && !VISIBILITIES.has(visibility)) throw new BadRequest(`Invalid visibility value: ${visibility}`);
  const memberStatus = one(q, 'member_status');
  if (memberStatus !== undefined && !MEMBER_STATUSES.has(memberStatus)) throw new BadRequest(`Invalid status: ${memberStatus}`);
  const properties = new Map<string, string>();
  for (const k of Object.keys(q)) if (!KNOWN_PARAMS.has(k)) properties.set(k, one(q, k)!);
  return {
    limit: limitParam(one(q, 'limit')),
    marker: one(q, 'marker'),
    name: one(q, 'name'),
    status: one(q, 'status'),
    visibility: visibility || undefined,
    owner: one(q, 'owner'),
    tags: all(q, 'tag').map((t) => t.trim()),
    diskFormat: one(q, 'disk_format'),
    containerFormat: one(q, 'container_format'),
    sizeMin: rangeParam(one(q, 'size_min')),
    sizeMax: rangeParam(one(q, 'size_max')),
    memberStatus,
    osHidden: boolParam('os_hidden', one(q, 'os_hidden'), true),
    protected: boolParam('protected', one(q, 'protected'), false),
    createdAt: timeParam('created_at', one(q, 'created_at')),
    updatedAt: timeParam('updated_at', one(q, 'updated_at')),
    sort: sortParams(q),
    properties,
  };
}
