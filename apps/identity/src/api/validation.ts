import { z } from 'zod';
import { BadRequest } from '@kumo/common';

/**
 * Building blocks of the Identity v3 request schemas, after Keystone's JSON schemas
 * (keystone/*\/schema.py): a body is `{"<member>": {...}}` with nothing else at the top level;
 * the member itself allows extra keys (Keystone stores them as `extra`).
 */

/** Keystone's name: 1..max characters with at least one that is not whitespace (`[\S]+`); kept as sent. */
export const name = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(/\S/, 'must contain a character that is not whitespace');

export const description = z.string().max(65_535, 'must be at most 65535 characters').nullable().optional();

/** An id given in a body (ids are opaque strings, 64 characters at most in our schema). */
export const id = z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters');

/** Project and domain tags: the API-WG tag rules (no '/' or ','), unique, at most 80. */
const tag = z
  .string()
  .min(1, 'must not be empty')
  .max(80, 'must be at most 80 characters')
  .refine((t) => !t.includes('/') && !t.includes(','), "must not contain '/' or ','");
export const tags = z
  .array(tag)
  .max(80, 'must have at most 80 tags')
  .refine((a) => new Set(a).size === a.length, 'must not contain duplicates');

export const options = z.record(z.unknown());

/** `{"<key>": inner}`, and no other top-level key (Keystone: additionalProperties false). */
export function body<K extends string, S extends z.ZodTypeAny>(key: K, inner: S) {
  return z.object({ [key]: inner } as { [P in K]: S }).strict();
}

/** An update must change something (Keystone: minProperties 1). */
export function nonEmpty<S extends z.ZodTypeAny>(schema: S) {
  return schema.refine((o: unknown) => typeof o === 'object' && o !== null && Object.keys(o).length > 0, 'must have at least one attribute');
}

/**
 * Refuses a NUL character anywhere in a body, keys included (stored names would carry it, and
 * bcrypt reads a password as a C string, up to the first NUL). `field` names where it was found.
 */
export function refuseNul(value: unknown, field = ''): void {
  // iterative: a deeply nested body must not exhaust the stack
  const todo: Array<[unknown, string]> = [[value, field]];
  while (todo.length) {
    const [v, at] = todo.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) throw new BadRequest(`Invalid input for field '${at || 'body'}': must not contain a NUL character.`);
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => todo.push([item, `${at}[${i}]`]));
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, item] of Object.entries(v)) todo.push([k, at ? `${at}.<key>` : '<key>'], [item, at ? `${at}.${k}` : k]);
    }
  }
}

/** Parses a request body with a schema (a ZodError becomes a 400 in the fault filter). */
export function parseBody<T extends z.ZodTypeAny>(schema: T, raw: unknown): z.infer<T> {
  if (raw === undefined || raw === null || raw === '') throw new BadRequest('A request body is required.');
  refuseNul(raw);
  return schema.parse(raw);
}

/** `?enabled=true|false|1|0` (absent → undefined; Keystone and keystoneclient send `True`/`False`). */
export function boolQuery(value: string | undefined, param = 'enabled'): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.toLowerCase();
  if (['true', '1', 'yes', 'on', 'y', 't'].includes(v)) return true;
  if (['false', '0', 'no', 'off', 'n', 'f'].includes(v)) return false;
  throw new BadRequest(`Invalid value '${value}' for query parameter '${param}': use true or false.`);
}

/** A flag that is on when present without a value (`?effective`) or with a true value. */
export function flagQuery(value: string | undefined, param: string): boolean {
  if (value === undefined) return false;
  if (value === '') return true;
  return boolQuery(value, param) === true;
}
