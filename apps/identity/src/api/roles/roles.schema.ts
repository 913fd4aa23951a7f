import { z } from 'zod';
import { body, description, id, name, nonEmpty, options } from '../validation';

/** keystone/assignment/schema.py role_create / role_update (domain_id: a domain-specific role, null: global). */
const domainId = id.nullable().optional();

export const roleCreate = body('role', z.object({ name: name(255), description, domain_id: domainId, options: options.optional() }).passthrough());
export const roleUpdate = body('role', nonEmpty(z.object({ name: name(255).optional(), description, domain_id: domainId, options: options.optional() }).passthrough()));

export type RoleCreate = z.infer<typeof roleCreate>['role'];
export type RoleUpdate = z.infer<typeof roleUpdate>['role'];
