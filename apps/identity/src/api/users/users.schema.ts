import { z } from 'zod';
import { body, description, id, name, nonEmpty, options } from '../validation';

/** keystone/identity/schema.py user_create / user_update: extra keys are allowed and kept. */
const password = z.string().max(4096, 'must be at most 4096 characters').nullable().optional();
const userAttrs = {
  domain_id: id.optional(),
  password,
  default_project_id: id.nullable().optional(),
  enabled: z.boolean().optional(),
  description,
  email: z.string().max(255, 'must be at most 255 characters').nullable().optional(),
  options: options.optional(),
  federated: z.array(z.unknown()).optional(),
};

export const userCreate = body('user', z.object({ name: name(255), ...userAttrs }).passthrough());
export const userUpdate = body('user', nonEmpty(z.object({ name: name(255).optional(), ...userAttrs }).passthrough()));
/** POST /v3/users/{id}/password (additionalProperties false at both levels). */
export const passwordChange = body(
  'user',
  z.object({ password: z.string().min(1, 'must not be empty').max(4096, 'must be at most 4096 characters'), original_password: z.string().max(4096) }).strict(),
);

export type UserCreate = z.infer<typeof userCreate>['user'];
export type UserUpdate = z.infer<typeof userUpdate>['user'];
