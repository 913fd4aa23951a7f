import { z } from 'zod';
import { BadRequest } from '@kumo/common';
import { parseBody, repr } from '../validation';

const KEY = /^[a-zA-Z0-9-_:. ]{1,255}$/;

/** Nova's flavor metadata (schemas/flavors_extraspecs.py): keys of `[a-zA-Z0-9-_:. ]{1,255}`, values a string (≤ 255) or a number. */
const specs = z.unknown().superRefine((v, ctx) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    ctx.addIssue({ code: 'custom', message: `${repr(v)} is not of type 'object'` });
    return;
  }
  const bad = Object.keys(v).filter((k) => !KEY.test(k));
  if (bad.length) {
    ctx.addIssue({ code: 'custom', message: `${bad.map(repr).join(', ')} ${bad.length > 1 ? 'do' : 'does'} not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'` });
    return;
  }
  for (const [key, value] of Object.entries(v)) {
    if (typeof value === 'number' && Number.isFinite(value)) continue;
    if (typeof value !== 'string') ctx.addIssue({ code: 'custom', path: [key], message: `${repr(value)} is not of type 'string', 'number'` });
    else if ([...value].length > 255) ctx.addIssue({ code: 'custom', path: [key], message: `${repr(value)} is too long` });
  }
});

/** Stored values are strings: a number is kept as its text (Nova's DictOfStringsField). */
export function asStrings(given: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(given).map(([k, v]) => [k, String(v)]));
}

/** POST /flavors/{id}/os-extra_specs `{"extra_specs": {...}}`. */
export function parseCreateSpecs(body: unknown): Record<string, string | number> {
  return parseBody(z.object({ extra_specs: specs }).strict(), body).extra_specs as Record<string, string | number>;
}

/** PUT /flavors/{id}/os-extra_specs/{key} `{"<key>": value}`: exactly that one key (else "Request body and URI mismatch"). */
export function parseUpdateSpec(key: string, body: unknown): Record<string, string | number> {
  const parsed = parseBody(specs, body) as Record<string, string | number>;
  const n = Object.keys(parsed).length;
  if (n !== 1) throw new BadRequest(`${repr(parsed)} ${n > 1 ? 'has too many properties' : 'does not have enough properties'}`);
  if (!Object.prototype.hasOwnProperty.call(parsed, key)) throw new BadRequest('Request body and URI mismatch');
  return parsed;
}
