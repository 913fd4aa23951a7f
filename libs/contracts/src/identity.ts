import { z } from 'zod';

/** Wire schemas of the Identity v3 API that the services and the dashboard share. */

const idOrName = z.object({ id: z.string().max(64).optional(), name: z.string().max(255).optional() }).passthrough();

export const domainRef = idOrName;

export const passwordMethod = z.object({
  user: z
    .object({
      id: z.string().max(64).optional(),
      name: z.string().max(255).optional(),
      domain: domainRef.optional(),
      password: z.string().max(4096),
    })
    .passthrough(),
});

export const tokenMethod = z.object({ id: z.string().min(1).max(4096) }).passthrough();

export const applicationCredentialMethod = z
  .object({
    id: z.string().max(64).optional(),
    name: z.string().max(255).optional(),
    secret: z.string().max(4096),
    user: z
      .object({ id: z.string().max(64).optional(), name: z.string().max(255).optional(), domain: domainRef.optional() })
      .optional(),
  })
  .passthrough();

export const authScope = z.union([
  z.literal('unscoped'),
  z
    .object({
      project: z.object({ id: z.string().max(64).optional(), name: z.string().max(64).optional(), domain: domainRef.optional() }).optional(),
      domain: domainRef.optional(),
      system: z.object({ all: z.literal(true) }).optional(),
      'OS-TRUST:trust': z.unknown().optional(),
    })
    .strict(),
]);

export const authRequest = z.object({
  auth: z
    .object({
      identity: z
        .object({
          methods: z.array(z.string().max(64)).min(1).max(4),
          password: passwordMethod.optional(),
          token: tokenMethod.optional(),
          application_credential: applicationCredentialMethod.optional(),
        })
        .passthrough(),
      scope: authScope.optional(),
    })
    .passthrough(),
});
export type AuthRequest = z.infer<typeof authRequest>;

export const roleRef = z.object({ id: z.string(), name: z.string() });

/** The body of a token as returned by POST/GET /v3/auth/tokens. */
export const tokenBody = z.object({
  token: z
    .object({
      methods: z.array(z.string()),
      user: z.object({
        id: z.string(),
        name: z.string(),
        domain: z.object({ id: z.string(), name: z.string() }),
        password_expires_at: z.string().nullable(),
      }),
      audit_ids: z.array(z.string()),
      expires_at: z.string(),
      issued_at: z.string(),
      project: z
        .object({ id: z.string(), name: z.string(), domain: z.object({ id: z.string(), name: z.string() }) })
        .optional(),
      domain: z.object({ id: z.string(), name: z.string() }).optional(),
      system: z.object({ all: z.boolean() }).optional(),
      is_domain: z.boolean().optional(),
      roles: z.array(roleRef).optional(),
      catalog: z.array(z.unknown()).optional(),
      application_credential: z.object({ id: z.string(), name: z.string(), restricted: z.boolean() }).optional(),
    })
    .passthrough(),
});
export type TokenBody = z.infer<typeof tokenBody>;
