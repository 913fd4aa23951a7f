import { z } from 'zod';
import { BadRequest } from '@kumo/common';
import { FLAVOR_SORT_COLUMNS } from '../../db/repositories/flavor.repository';
import type { FlavorListRequest, NewFlavor } from '../../services/flavors.service';
import { lastParam, novaBoolean, novaInteger, novaName, repr } from '../validation';

const FLAVOR_ID_PATTERN = /^(?! )[a-zA-Z0-9. _-]+(?<! )$/;

/** Nova's flavor `id`: a string (1-255 of `[a-zA-Z0-9. _-]`, no edge spaces), a number, or null (generate one). */
const flavorId = z.unknown().transform((v, ctx): string | undefined => {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') {
    ctx.addIssue({ code: 'custom', message: `${repr(v)} is not of type 'string', 'number', 'null'` });
    return z.NEVER;
  }
  if (v.length < 1) ctx.addIssue({ code: 'custom', message: `${repr(v)} is too short` });
  else if (v.length > 255) ctx.addIssue({ code: 'custom', message: `${repr(v)} is too long` });
  else if (!FLAVOR_ID_PATTERN.test(v)) ctx.addIssue({ code: 'custom', message: `${repr(v)} does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'` });
  return v;
});

/** A positive float (as a number or a string of digits), at most SQL's float maximum. */
const rxtxFactor = z.unknown().transform((v, ctx): number => {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(v)) n = Number(v);
  else {
    ctx.addIssue({ code: 'custom', message: typeof v === 'string' ? `${repr(v)} does not match '^[0-9]+(\\\\.[0-9]+)?$'` : `${repr(v)} is not of type 'number', 'string'` });
    return z.NEVER;
  }
  if (!(n > 0)) ctx.addIssue({ code: 'custom', message: `${repr(v)} is less than or equal to the minimum of 0` });
  else if (n > 3.40282e38) ctx.addIssue({ code: 'custom', message: `${repr(v)} is greater than the maximum of 3.40282e+38` });
  return n;
});

/** POST /flavors at 2.1 (Nova's schemas/flavors.py `create`). */
export const createFlavorSchema = z
  .object({
    flavor: z
      .object({
        name: novaName,
        id: flavorId.optional(),
        ram: novaInteger(1),
        vcpus: novaInteger(1),
        disk: novaInteger(0),
        'OS-FLV-EXT-DATA:ephemeral': novaInteger(0).optional(),
        swap: novaInteger(0).optional(),
        rxtx_factor: rxtxFactor.optional(),
        'os-flavor-access:is_public': novaBoolean.optional(),
      })
      .strict(),
  })
  .strict()
  .transform(
    ({ flavor: f }): NewFlavor => ({
      name: f.name,
      flavorid: f.id,
      memoryMb: f.ram,
      vcpus: f.vcpus,
      rootGb: f.disk,
      ephemeralGb: f['OS-FLV-EXT-DATA:ephemeral'] ?? 0,
      swap: f.swap ?? 0,
      rxtxFactor: f.rxtx_factor ?? 1.0,
      isPublic: f['os-flavor-access:is_public'] ?? true,
    }),
  );

const TRUE = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE = ['0', 'f', 'false', 'off', 'n', 'no'];

/** oslo's bool_from_string(strict=True), and Nova's "None" meaning all (flavors.py _parse_is_public). */
function parseIsPublic(raw: string | undefined): boolean | null {
  if (raw === undefined) return true;
  const v = raw.trim().toLowerCase();
  if (v === 'none') return null;
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v)) return false;
  throw new BadRequest(`Invalid is_public filter [${raw}]`);
}

function queryError(name: string, value: string, problem: string): BadRequest {
  return new BadRequest(`Invalid input for query parameters ${name}. Value: ${repr(value)}. ${problem}`);
}

/** Python's int() of a filter value: optional sign and surrounding whitespace. */
function parseIntFilter(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw new BadRequest(`Invalid ${name} filter [${raw}]`);
  return Number(raw);
}

/**
 * GET /flavors and /flavors/detail: `limit`, `marker`, `sort_key`, `sort_dir`, `minRam`, `minDisk`
 * and, read only for admins (Nova ignores it for others), `is_public` (True, False or None = all).
 * Other parameters are ignored, as Nova does before 2.75.
 */
export function parseFlavorListQuery(query: Record<string, unknown>, admin: boolean): FlavorListRequest {
  const limitRaw = lastParam(query, 'limit');
  if (limitRaw !== undefined && !/^[0-9]+$/.test(limitRaw)) throw queryError('limit', limitRaw, limitRaw === '' ? "'' is too short" : `${repr(limitRaw)} does not match '^[0-9]*$'`);
  const sortKey = lastParam(query, 'sort_key');
  if (sortKey !== undefined && !Object.prototype.hasOwnProperty.call(FLAVOR_SORT_COLUMNS, sortKey)) {
    throw queryError('sort_key', sortKey, `${repr(sortKey)} is not one of [${Object.keys(FLAVOR_SORT_COLUMNS).map(repr).join(', ')}]`);
  }
  const sortDir = lastParam(query, 'sort_dir');
  if (sortDir !== undefined && sortDir !== 'asc' && sortDir !== 'desc') throw queryError('sort_dir', sortDir, `${repr(sortDir)} is not one of ['asc', 'desc']`);
  const limit = limitRaw === undefined ? undefined : Math.min(Number(limitRaw), Number.MAX_SAFE_INTEGER);
  return {
    isPublic: admin ? parseIsPublic(lastParam(query, 'is_public')) : true,
    minMemoryMb: parseIntFilter('minRam', lastParam(query, 'minRam')),
    minRootGb: parseIntFilter('minDisk', lastParam(query, 'minDisk')),
    sortKey: sortKey || 'flavorid',
    sortDir: (sortDir as 'asc' | 'desc' | undefined) || 'asc',
    limit,
    marker: lastParam(query, 'marker'),
  };
}
