import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { BadRequest } from '@kumo/common';
import type { ServerCreateRequest, ServerListRequest } from '../../services/servers.service';
import { lastParam, MAX_INT, novaBoolean, novaInteger, novaName, repr } from '../validation';

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const METADATA_KEY = /^[a-zA-Z0-9-_:. ]{1,255}$/;

/** A dashed lower-case UUID from any spelling jsonschema's uuid format accepts. */
export function canonicalUuid(v: string): string {
  const hex = v.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function stringField(v: unknown, ctx: z.RefinementCtx): v is string {
  if (typeof v === 'string') return true;
  ctx.addIssue({ code: 'custom', message: `${repr(v)} is not of type 'string'` });
  return false;
}

const uuidString = z.unknown().transform((v, ctx): string => {
  if (!stringField(v, ctx)) return z.NEVER;
  if (!UUID.test(v)) {
    ctx.addIssue({ code: 'custom', message: `${repr(v)} is not a 'uuid'` });
    return z.NEVER;
  }
  return canonicalUuid(v);
});

/** Nova's `metadata`: string keys of [a-zA-Z0-9-_:. ]{1,255}, string values of at most 255 characters. */
export const novaMetadata = z.unknown().transform((v, ctx): Record<string, string> => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    ctx.addIssue({ code: 'custom', message: `${repr(v)} is not of type 'object'` });
    return z.NEVER;
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (!METADATA_KEY.test(k)) {
      ctx.addIssue({ code: 'custom', message: `Additional properties are not allowed ('${k}' was unexpected)` });
      return z.NEVER;
    }
    if (typeof val !== 'string') {
      ctx.addIssue({ code: 'custom', message: `${repr(val)} is not of type 'string'` });
      return z.NEVER;
    }
    if (val.length > 255) {
      ctx.addIssue({ code: 'custom', message: `${repr(val)} is too long` });
      return z.NEVER;
    }
    out[k] = val;
  }
  return out;
});

const networkItem = z
  .object({ uuid: uuidString.optional(), port: uuidString.optional(), fixed_ip: z.string().refine((s) => isIPv4(s) || isIPv6(s), { message: 'is not a valid IP address' }).optional(), tag: z.string().max(60).optional() })
  .strict()
  .transform((n) => ({ networkId: n.uuid, portId: n.port, fixedIp: n.fixed_ip }));

const ipv4 = z.string().refine((s) => s === '' || isIPv4(s), { message: "is not a 'ipv4'" });
const ipv6 = z.string().refine((s) => s === '' || isIPv6(s), { message: "is not a 'ipv6'" });
const diskConfig = z.enum(['AUTO', 'MANUAL']);

/** POST /servers at 2.1 (nova/api/openstack/compute/schemas/servers.py `base_create`). */
export const createServerSchema = z
  .object({
    server: z
      .object({
        name: novaName,
        imageRef: z.unknown().transform((v, ctx): string => {
          if (v === undefined) return '';
          if (typeof v !== 'string' || (v !== '' && !UUID.test(v))) {
            ctx.addIssue({ code: 'custom', message: `${repr(v)} is not valid under any of the given schemas` });
            return z.NEVER;
          }
          return v === '' ? '' : canonicalUuid(v);
        }),
        flavorRef: z.unknown().transform((v, ctx): string => {
          if (v === undefined) {
            ctx.addIssue({ code: 'invalid_type', expected: 'string', received: 'undefined' });
            return z.NEVER;
          }
          if (typeof v === 'number' && Number.isInteger(v)) return String(v);
          if (typeof v !== 'string') {
            ctx.addIssue({ code: 'custom', message: `${repr(v)} is not of type 'string', 'integer'` });
            return z.NEVER;
          }
          if (!v.length) ctx.addIssue({ code: 'custom', message: `${repr(v)} is too short` });
          // a flavor link (http://H:8774/flavors/1) names its last segment
          return v.replace(/\/+$/, '').split('/').pop()!;
        }),
        adminPass: z.string().optional(),
        metadata: novaMetadata.optional(),
        networks: z.union([z.literal('auto'), z.literal('none'), z.array(networkItem)]).optional(),
        'OS-DCF:diskConfig': diskConfig.optional(),
        accessIPv4: ipv4.optional(),
        accessIPv6: ipv6.optional(),
        personality: z.array(z.unknown()).optional(),
        key_name: z.string().min(1).max(255).optional(),
        user_data: z
          .string()
          .max(65535)
          .refine((s) => BASE64.test(s.replace(/\s+/g, '')), { message: "is not a 'base64'" })
          .optional(),
        availability_zone: z.string().min(1).max(255).optional(),
        config_drive: z.union([novaBoolean, z.literal('')]).optional(),
        min_count: novaInteger(1, MAX_INT).optional(),
        max_count: novaInteger(1, MAX_INT).optional(),
        return_reservation_id: novaBoolean.optional(),
        security_groups: z.array(z.object({ name: z.string().min(1).max(255) }).strict()).optional(),
        block_device_mapping_v2: z.array(z.record(z.unknown())).optional(),
      })
      .strict(),
    'OS-SCH-HNT:scheduler_hints': z.record(z.unknown()).optional(),
  })
  .strict()
  .transform(({ server: s }, ctx): ServerCreateRequest => {
    const minCount = s.min_count ?? 1;
    const maxCount = s.max_count ?? minCount;
    if (minCount > maxCount) {
      ctx.addIssue({ code: 'custom', message: 'min_count must be <= max_count', params: { whole: true } });
      return z.NEVER;
    }
    if (s.imageRef === '') {
      ctx.addIssue({ code: 'custom', message: s.block_device_mapping_v2 ? 'Booting from a volume is not supported yet (block_device_mapping_v2 comes with the volume service)' : 'Missing imageRef attribute', params: { whole: true } });
      return z.NEVER;
    }
    return {
      name: s.name,
      imageRef: s.imageRef,
      flavorRef: s.flavorRef,
      keyName: s.key_name,
      userData: s.user_data,
      metadata: s.metadata ?? {},
      availabilityZone: s.availability_zone,
      configDrive: s.config_drive === true,
      minCount,
      maxCount,
      networks: s.networks ?? 'auto',
      securityGroups: (s.security_groups ?? [{ name: 'default' }]).map((g) => g.name),
      accessIPv4: s.accessIPv4,
      accessIPv6: s.accessIPv6,
      diskConfig: s['OS-DCF:diskConfig'] ?? 'MANUAL',
      adminPass: s.adminPass,
    };
  });

/** PUT /servers/{id}. */
export const updateServerSchema = z
  .object({ server: z.object({ name: novaName.optional(), accessIPv4: ipv4.optional(), accessIPv6: ipv6.optional(), 'OS-DCF:diskConfig': diskConfig.optional() }).strict() })
  .strict()
  .transform(({ server: s }) => ({ name: s.name, accessIPv4: s.accessIPv4, accessIPv6: s.accessIPv6, diskConfig: s['OS-DCF:diskConfig'] }));

const FALSE_STRINGS = new Set(['0', 'f', 'false', 'off', 'n', 'no']);

/**
 * GET /servers[/detail] query (Nova's search options; non-admins' host filter is dropped by the
 * service). `ip6` is read for admins, and for everyone from 2.5 (before it Nova silently drops a
 * non-admin's `ip6`: `opts.ip6` false).
 */
export function parseServerListQuery(q: Record<string, unknown>, opts: { ip6: boolean } = { ip6: true }): ServerListRequest {
  const limitText = lastParam(q, 'limit');
  let limit: number | undefined;
  if (limitText !== undefined) {
    if (!/^[0-9]+$/.test(limitText)) throw new BadRequest(`Invalid input for query parameters limit. Value: ${limitText}. '${limitText}' does not match '^[0-9]*$'`);
    limit = Number(limitText);
  }
  const since = lastParam(q, 'changes-since');
  let changesSince: Date | undefined;
  if (since !== undefined) {
    changesSince = new Date(since);
    if (!/^\d{4}-\d{2}-\d{2}/.test(since) || Number.isNaN(changesSince.getTime())) throw new BadRequest(`Invalid input for query parameters changes-since. Value: ${since}. '${since}' is not a 'date-time'`);
  }
  const allTenants = lastParam(q, 'all_tenants');
  const image = lastParam(q, 'image');
  const flavor = lastParam(q, 'flavor');
  return {
    name: lastParam(q, 'name'),
    status: lastParam(q, 'status'),
    image: image?.replace(/\/+$/, '').split('/').pop(),
    flavor: flavor?.replace(/\/+$/, '').split('/').pop(),
    host: lastParam(q, 'host'),
    allTenants: allTenants !== undefined && !FALSE_STRINGS.has(allTenants.toLowerCase()),
    projectId: lastParam(q, 'project_id') ?? lastParam(q, 'tenant_id'),
    changesSince,
    limit,
    marker: lastParam(q, 'marker'),
    ip: lastParam(q, 'ip'),
    ip6: opts.ip6 ? lastParam(q, 'ip6') : undefined,
  };
}
