import { z } from 'zod';

/** POST /auth/login. */
export const loginRequest = z
  .object({
    /** The user's domain, by name (Keystone's `Default` unless said). */
    domain: z.string().min(1).max(255).default('Default'),
    username: z.string().min(1).max(255),
    password: z.string().min(1).max(4096),
    /** The project to work in; without it the first enabled project of the user, by name. */
    project_id: z.string().min(1).max(64).optional(),
  })
  .strict();

/** POST /auth/project. */
export const switchProjectRequest = z.object({ project_id: z.string().min(1).max(64) }).strict();
