import { z } from 'zod';
import { body, description, id, name } from '../validation';

/** Keystone accepts ISO 8601 with or without a zone (no zone = UTC). */
const isoTime = z
  .string()
  .regex(/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/i, 'must be an ISO 8601 time');

/** keystone/application_credential/schema.py application_credential_create. */
export const appCredCreate = body(
  'application_credential',
  z
    .object({
      name: name(255),
      description,
      secret: z.string().min(1, 'must not be empty').max(4096).nullable().optional(),
      expires_at: isoTime.nullable().optional(),
      roles: z
        .array(
          z
            .object({ id: id.optional(), name: name(255).optional() })
            .strict()
            .refine((r) => (r.id === undefined) !== (r.name === undefined), 'a role is given by its id or its name'),
        )
        .optional(),
      unrestricted: z.boolean().optional(),
      access_rules: z.array(z.unknown()).max(0, 'access rules are not supported').optional(),
      // accepted and ignored, as Keystone does: the id is generated, the project is the token's
      id: z.string().optional(),
      project_id: z.string().optional(),
    })
    .strict(),
);

export type AppCredCreate = z.infer<typeof appCredCreate>['application_credential'];
