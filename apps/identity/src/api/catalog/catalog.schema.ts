import { z } from 'zod';
import { body, description, id, nonEmpty } from '../validation';

/** keystone/catalog/schema.py. */
const regionId = z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters');
export const regionCreate = body(
  'region',
  z.object({ id: regionId.optional(), description, parent_region_id: regionId.nullable().optional() }).passthrough(),
);
export const regionUpdate = body('region', nonEmpty(z.object({ description, parent_region_id: regionId.nullable().optional() }).passthrough()));

const serviceAttrs = { name: z.string().max(255, 'must be at most 255 characters').optional(), description, enabled: z.boolean().optional() };
const serviceType = z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters');
export const serviceCreate = body('service', z.object({ type: serviceType, ...serviceAttrs }).passthrough());
export const serviceUpdate = body('service', nonEmpty(z.object({ type: serviceType.optional(), ...serviceAttrs }).passthrough()));

const iface = z.enum(['public', 'internal', 'admin']);
/** Keystone's url_type: a scheme, a colon, something. */
const url = z
  .string()
  .max(1024, 'must be at most 1024 characters')
  .regex(/^[a-zA-Z0-9+.-]+:.+/, 'must be a URL');
const endpointAttrs = {
  region_id: regionId.nullable().optional(),
  region: regionId.nullable().optional(),
  enabled: z.boolean().optional(),
};
export const endpointCreate = body('endpoint', z.object({ service_id: id, interface: iface, url, ...endpointAttrs }).passthrough());
export const endpointUpdate = body(
  'endpoint',
  nonEmpty(z.object({ service_id: id.optional(), interface: iface.optional(), url: url.optional(), ...endpointAttrs }).passthrough()),
);

export type RegionCreate = z.infer<typeof regionCreate>['region'];
export type RegionUpdate = z.infer<typeof regionUpdate>['region'];
export type ServiceCreate = z.infer<typeof serviceCreate>['service'];
export type ServiceUpdate = z.infer<typeof serviceUpdate>['service'];
export type EndpointCreate = z.infer<typeof endpointCreate>['endpoint'];
export type EndpointUpdate = z.infer<typeof endpointUpdate>['endpoint'];
