import { z, ZodError, ZodIssue } from 'zod';
import { BadRequest } from '@kumo/common';

/**
 * Request validation with Nova's messages (nova/api/validation/validators.py): a field's problem
 * reads `Invalid input for field/attribute <field>. Value: <value>. <problem>` (query parameters:
 * `Invalid input for query parameters <name>. ...`), a problem of the whole body is the problem
 * alone. The schemas are zod (strict objects where Nova has additionalProperties: false); the
 * Nova-typed fields below (integers that may be strings, Nova's boolean strings, names) add issues
 * whose message is Nova's jsonschema text.
 */
export function repr(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = `'${value}'`;
  else if (value === undefined || value === null) text = 'None';
  else if (value === true) text = 'True';
  else if (value === false) text = 'False';
  else text = boundedJson(value, 4);
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

/** JSON of a value down to `depth` levels (deeper ones as `[...]`/`{...}`), at most ~300 characters: bodies may nest deeper than JSON.stringify recurses. */
function boundedJson(value: unknown, depth: number): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? String(value);
  const array = Array.isArray(value);
  if (depth === 0) return array ? '[...]' : '{...}';
  const parts: string[] = [];
  let size = 0;
  for (const [k, v] of array ? (value as unknown[]).map((v, i) => [i, v] as const) : Object.entries(value)) {
    const item = array ? boundedJson(v, depth - 1) : `${JSON.stringify(k)}:${boundedJson(v, depth - 1)}`;
    parts.push(item);
    size += item.length + 1;
    if (size > 300) {
      parts.push('...');
      break;
    }
  }
  return array ? `[${parts.join(',')}]` : `{${parts.join(',')}}`;
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let v = root;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[key] : undefined;
  return v;
}

function issueText(issue: ZodIssue, value: unknown): { path: (string | number)[]; text: string; whole?: boolean } {
  const path = issue.path;
  switch (issue.code) {
    case 'unrecognized_keys':
      return { path, text: `Additional properties are not allowed (${issue.keys.map((k) => `'${k}'`).join(', ')} ${issue.keys.length > 1 ? 'were' : 'was'} unexpected)` };
    case 'invalid_type':
      if (value === undefined) return { path: path.slice(0, -1), text: `'${String(path[path.length - 1])}' is a required property` };
      return { path, text: `${repr(value)} is not of type '${issue.expected}'` };
    case 'too_big':
      if (issue.type === 'string') return { path, text: `${repr(value)} is too long` };
      if (issue.type === 'array') return { path, text: `${repr(value)} is too long` };
      return { path, text: `${repr(value)} is greater than the maximum of ${String(issue.maximum)}` };
    case 'too_small':
      if (issue.type === 'string') return { path, text: `${repr(value)} is too short` };
      if (issue.type === 'array') return { path, text: `${repr(value)} is too short` };
      return { path, text: `${repr(value)} is less than the minimum of ${String(issue.minimum)}` };
    case 'invalid_enum_value':
      return { path, text: `${repr(value)} is not one of [${issue.options.map(repr).join(', ')}]` };
    case 'custom':
      return { path, text: issue.message, whole: (issue.params as { whole?: boolean } | undefined)?.whole };
    default:
      return { path, text: issue.message };
  }
}

export function novaMessage(err: ZodError, input: unknown, kind: 'body' | 'query' = 'body'): string {
  const issue = err.issues[0];
  const at = issue.path.length ? valueAt(input, issue.path) : input;
  const { path, text, whole } = issueText(issue, at);
  if (whole || path.length === 0) return text;
  const field = kind === 'body' ? String(path[path.length - 1]) : String(path[0]);
  const value = valueAt(input, path);
  return kind === 'body'
    ? `Invalid input for field/attribute ${field}. Value: ${repr(value)}. ${text}`
    : `Invalid input for query parameters ${field}. Value: ${repr(value)}. ${text}`;
}

/** Parses a request body with `schema`; a bad body is a 400 with Nova's message. */
export function parseBody<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new BadRequest(novaMessage(r.error, body));
  return r.data;
}

export const MAX_INT = 0x7fffffff;

/** A required field that is absent: jsonschema's "'<field>' is a required property". */
export function missing(ctx: z.RefinementCtx, expected: string): never {
  ctx.addIssue({ code: 'invalid_type', expected: expected as z.ZodParsedType, received: 'undefined' });
  return z.NEVER;
}

/** Nova's `flavor_param_*`/`volume_size`: an integer or a string of digits, within [min, max]. */
export function novaInteger(min: number, max = MAX_INT) {
  return z.unknown().transform((v, ctx): number => {
    if (v === undefined) return missing(ctx, 'integer');
    let n: number;
    if (typeof v === 'number' && Number.isInteger(v)) n = v;
    else if (typeof v === 'string') {
      if (!/^[0-9]+$/.test(v)) {
        ctx.addIssue({ code: 'custom', message: `${repr(v)} does not match '^[0-9]+$'` });
        return z.NEVER;
      }
      n = Number(v);
    } else {
      ctx.addIssue({ code: 'custom', message: `${repr(v)} is not of type 'integer', 'string'` });
      return z.NEVER;
    }
    if (n < min) ctx.addIssue({ code: 'custom', message: `${repr(v)} is less than the minimum of ${min}` });
    else if (n > max) ctx.addIssue({ code: 'custom', message: `${repr(v)} is greater than the maximum of ${max}` });
    return n;
  });
}

const TRUE_STRINGS = ['True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes'];
const FALSE_STRINGS = ['False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'];

/** Nova's `parameter_types.boolean`: a JSON boolean or one of its spellings. */
export const novaBoolean = z.unknown().transform((v, ctx): boolean => {
  if (v === undefined) return missing(ctx, 'boolean');
  if (v === true || (typeof v === 'string' && TRUE_STRINGS.includes(v))) return true;
  if (v === false || (typeof v === 'string' && FALSE_STRINGS.includes(v))) return false;
  ctx.addIssue({ code: 'custom', message: `${repr(v)} is not one of [True, ${TRUE_STRINGS.map(repr).join(', ')}, False, ${FALSE_STRINGS.map(repr).join(', ')}]` });
  return z.NEVER;
});

/** Nova's `valid_name_regex`: printable characters, not starting or ending with whitespace. */
export function isValidName(s: string): boolean {
  return /^[^\p{C}\p{Z}]$|^[^\p{C}\p{Z}][^\p{C}\p{Zl}\p{Zp}]*[^\p{C}\p{Z}]$|^$/u.test(s);
}

/**
 * Nova's `parameter_types.name` check: 1 to 255 printable characters, no leading or trailing
 * whitespace. Returns the name, or undefined after adding the issue.
 */
export function checkName(v: unknown, ctx: z.RefinementCtx): string | undefined {
  if (v === undefined) {
    missing(ctx, 'string');
    return undefined;
  }
  if (typeof v !== 'string') {
    ctx.addIssue({ code: 'custom', message: `${repr(v)} is not of type 'string'` });
    return undefined;
  }
  if (!isValidName(v)) {
    ctx.addIssue({ code: 'custom', message: "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.", params: { whole: true } });
    return undefined;
  }
  const length = [...v].length;
  if (length < 1 || length > 255) {
    ctx.addIssue({ code: 'custom', message: `${repr(v)} is too ${length < 1 ? 'short' : 'long'}` });
    return undefined;
  }
  return v;
}

/** A field of Nova's `parameter_types.name`. */
export const novaName = z.unknown().transform((v, ctx): string => checkName(v, ctx) ?? z.NEVER);

/** A query parameter's last value (repeated parameters arrive as arrays). */
export function lastParam(query: Record<string, unknown>, name: string): string | undefined {
  if (!Object.prototype.hasOwnProperty.call(query, name)) return undefined;
  const v = query[name];
  const last = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof last === 'string' ? last : last === undefined ? undefined : String(last);
}
