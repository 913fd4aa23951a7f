import { z } from 'zod';
import { BadRequest } from '@kumo/common';

/** Request bodies of the Identity v3 API (Keystone's JSON schemas, as zod). */
const name = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const description = z.string().max(65_535).nullable().optional();
const tag = z
  .string()
  .min(1)
  .max(80, 'must be at most 80 characters')
  .refine((t) => !t.includes('/') && !t.includes(','), "must not contain '/' or ','");
const id = z.string().min(1).max(64);

export const domainCreate = z.object({
  domain: z
    .object({ name: name(64), description, enabled: z.boolean().optional(), tags: z.array(tag).max(80).optional(), options: z.record(z.unknown()).optional(), explicit_domain_id: z.string().optional() })
    .passthrough(),
});
export const domainUpdate = z.object({
  domain: z.object({ name: name(64).optional(), description, enabled: z.boolean().optional(), tags: z.array(tag).max(80).optional(), options: z.record(z.unknown()).optional() }).passthrough(),
});

export const projectCreate = z.object({
  project: z
    .object({
      name: name(64),
      description,
      domain_id: id.nullable().optional(),
      parent_id: id.nullable().optional(),
      enabled: z.boolean().optional(),
      is_domain: z.literal(false).optional(),
      tags: z.array(tag).max(80).optional(),
      options: z.record(z.unknown()).optional(),
    })
    .passthrough(),
});
export const projectUpdate = z.object({
  project: z
    .object({
      name: name(64).optional(),
      description,
      enabled: z.boolean().optional(),
      tags: z.array(tag).max(80).optional(),
      options: z.record(z.unknown()).optional(),
      domain_id: id.optional(),
      parent_id: id.nullable().optional(),
      is_domain: z.boolean().optional(),
    })
    .passthrough(),
});

const password = z.string().max(4096, 'must be at most 4096 characters').nullable().optional();
export const userCreate = z.object({
  user: z
    .object({
      name: name(255),
      domain_id: id.optional(),
      password,
      default_project_id: id.nullable().optional(),
      enabled: z.boolean().optional(),
      description,
      email: z.string().max(255).nullable().optional(),
      options: z.record(z.unknown()).optional(),
      federated: z.unknown().optional(),
    })
    .passthrough(),
});
export const userUpdate = z.object({
  user: z
    .object({
      name: name(255).optional(),
      password,
      default_project_id: id.nullable().optional(),
      enabled: z.boolean().optional(),
      description,
      email: z.string().max(255).nullable().optional(),
      options: z.record(z.unknown()).optional(),
      domain_id: id.optional(),
    })
    .passthrough(),
});
export const passwordChange = z.object({
  user: z.object({ password: z.string().min(1).max(4096), original_password: z.string().max(4096) }).strict(),
});

export const groupCreate = z.object({
  group: z.object({ name: name(64), domain_id: id.optional(), description }).passthrough(),
});
export const groupUpdate = z.object({
  group: z.object({ name: name(64).optional(), description }).passthrough(),
});

export const roleCreate = z.object({
  role: z.object({ name: name(255), description, domain_id: z.null().optional(), options: z.record(z.unknown()).optional() }).passthrough(),
});
export const roleUpdate = z.object({
  role: z.object({ name: name(255).optional(), description, options: z.record(z.unknown()).optional() }).passthrough(),
});

export const regionCreate = z.object({
  region: z.object({ id: z.string().min(1).max(255).optional(), description, parent_region_id: z.string().max(255).nullable().optional() }).passthrough(),
});
export const regionUpdate = z.object({
  region: z.object({ description, parent_region_id: z.string().max(255).nullable().optional() }).passthrough(),
});
export const serviceCreate = z.object({
  service: z.object({ type: name(255), name: z.string().max(255).optional(), description, enabled: z.boolean().optional() }).passthrough(),
});
export const serviceUpdate = z.object({
  service: z.object({ type: name(255).optional(), name: z.string().max(255).optional(), description, enabled: z.boolean().optional() }).passthrough(),
});
const iface = z.enum(['public', 'internal', 'admin']);
const url = z.string().min(1).max(1024).regex(/^https?:\/\//, 'must be an http(s) URL');
export const endpointCreate = z.object({
  endpoint: z
    .object({ service_id: id, interface: iface, url, region_id: z.string().max(255).nullable().optional(), region: z.string().max(255).nullable().optional(), enabled: z.boolean().optional() })
    .passthrough(),
});
export const endpointUpdate = z.object({
  endpoint: z
    .object({ service_id: id.optional(), interface: iface.optional(), url: url.optional(), region_id: z.string().max(255).nullable().optional(), region: z.string().max(255).nullable().optional(), enabled: z.boolean().optional() })
    .passthrough(),
});

export const appCredCreate = z.object({
  application_credential: z
    .object({
      name: name(255),
      description,
      secret: z.string().min(1).max(4096).nullable().optional(),
      expires_at: z.string().datetime({ offset: true, local: true }).nullable().optional().or(z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?$/)),
      roles: z.array(z.object({ id: id.optional(), name: z.string().max(255).optional() })).optional(),
      unrestricted: z.boolean().optional(),
      access_rules: z.array(z.unknown()).max(0, 'access rules are not supported').optional(),
    })
    .passthrough(),
});

/** Parses a request body with a schema (ZodError → 400 through the fault filter). */
export function parseBody<T extends z.ZodTypeAny>(schema: T, body: unknown): z.infer<T> {
  if (body === undefined || body === null) throw new BadRequest('A request body is required.');
  return schema.parse(body);
}

/** `?enabled=true|false|1|0` (absent → undefined). */
export function boolQuery(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new BadRequest(`Invalid boolean '${value}': use true or false.`);
}
