import { z } from 'zod';
import { body, description, name, nonEmpty, options } from '../validation';

/** keystone/assignment/schema.py role_create / role_update (global roles only: domain_id null). */
const domainId = z.null({ invalid_type_error: 'domain-specific roles are not supported' }).optional();

export const roleCreate = body('role', z.object({ name: name(255), description, domain_id: domainId, options: options.optional() }).passthrough());
export const roleUpdate = body('role', nonEmpty(z.object({ name: name(255).optional(), description, domain_id: domainId, options: options.optional() }).passthrough()));

export type RoleCreate = z.infer<typeof roleCreate>['role'];
export type RoleUpdate = z.infer<typeof roleUpdate>['role'];
