import { z } from 'zod';
import { body, description, id, name, nonEmpty, options, tags } from '../validation';

/** keystone/resource/schema.py project_create / project_update: extra keys are allowed and kept. */
const projectAttrs = {
  description,
  enabled: z.boolean().optional(),
  is_domain: z.boolean().optional(),
  tags: tags.optional(),
  options: options.optional(),
  domain_id: id.nullable().optional(),
  parent_id: id.nullable().optional(),
};

export const projectCreate = body('project', z.object({ name: name(64), ...projectAttrs }).passthrough());
export const projectUpdate = body('project', nonEmpty(z.object({ name: name(64).optional(), ...projectAttrs }).passthrough()));

export type ProjectCreate = z.infer<typeof projectCreate>['project'];
export type ProjectUpdate = z.infer<typeof projectUpdate>['project'];
