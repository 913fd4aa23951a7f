import { z } from 'zod';
import { body, description, id, name, nonEmpty } from '../validation';

/** keystone/identity/schema.py group_create / group_update (names: 64 characters, as the column). */
export const groupCreate = body('group', z.object({ name: name(64), domain_id: id.optional(), description }).passthrough());
export const groupUpdate = body('group', nonEmpty(z.object({ name: name(64).optional(), description, domain_id: id.optional() }).passthrough()));

export type GroupCreate = z.infer<typeof groupCreate>['group'];
export type GroupUpdate = z.infer<typeof groupUpdate>['group'];
