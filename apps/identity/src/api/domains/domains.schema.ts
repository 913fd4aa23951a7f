import { z } from 'zod';
import { body, description, id, name, nonEmpty, options, tags } from '../validation';

/** keystone/resource/schema.py domain_create / domain_update. */
const domainAttrs = {
  description,
  enabled: z.boolean().optional(),
  tags: tags.optional(),
  options: options.optional(),
};

export const domainCreate = body(
  'domain',
  z.object({ name: name(64), ...domainAttrs, explicit_domain_id: id.optional() }).passthrough(),
);
export const domainUpdate = body('domain', nonEmpty(z.object({ name: name(64).optional(), ...domainAttrs }).passthrough()));

export type DomainCreate = z.infer<typeof domainCreate>['domain'];
export type DomainUpdate = z.infer<typeof domainUpdate>['domain'];
