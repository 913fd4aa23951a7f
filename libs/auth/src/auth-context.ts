import { z } from 'zod';
import { expandRoles } from './roles';

/**
 * Who is calling, as a validated token says. Built once per token (and cached); handlers receive
 * it through `@Auth()`, services pass it to the PolicyEnforcer.
 */
export interface AuthContext {
  /** The token itself, kept so the service can call other services on the user's behalf. Never log it. */
  token: string;
  userId: string;
  userName: string;
  userDomainId: string;
  userDomainName: string;
  /** Set on a project-scoped token. */
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  /** Set on a domain-scoped token. */
  domainId?: string;
  domainName?: string;
  /** True on a system-scoped token (`"system": {"all": true}`). */
  system?: boolean;
  /** Effective role names, implied roles included (admin ⇒ member ⇒ reader), sorted. */
  roles: string[];
  expiresAt: Date;
  /** When the token was issued; revocation events revoke tokens issued before a time. */
  issuedAt?: Date;
  /** The token's audit id first, then its chain (a rescoped token carries its parent's). */
  auditIds: string[];
  /** Set when the token was obtained with an application credential. */
  applicationCredentialId?: string;
  /** True when the token holds a service role (`service` by default): another Kumo service calling. */
  isServiceUser?: boolean;
}

/** Thrown when a token body does not have Keystone v3's shape. */
export class TokenBodyError extends Error {
  override readonly name = 'TokenBodyError';
}

const named = z.object({ id: z.string().min(1), name: z.string() });
const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'not a timestamp' });

/** The parts of a Keystone v3 token body (API-SURFACE.md §1.2) that a service reads. */
export const keystoneTokenSchema = z.object({
  token: z.object({
    methods: z.array(z.string()).default([]),
    expires_at: timestamp,
    issued_at: timestamp.optional(),
    audit_ids: z.array(z.string()).default([]),
    user: named.extend({ domain: named }),
    project: named.extend({ domain: named }).optional(),
    domain: named.optional(),
    system: z.object({ all: z.boolean().optional() }).passthrough().optional(),
    roles: z.array(named).default([]),
    application_credential: z
      .object({ id: z.string().min(1) })
      .passthrough()
      .optional(),
  }),
});

/** A Keystone v3 token body as returned by `GET /v3/auth/tokens` (`{"token": {...}}`). */
export type KeystoneTokenBody = z.input<typeof keystoneTokenSchema>;

export interface AuthContextOptions {
  /** Roles that mark a service user (default `['service']`). */
  serviceRoles?: readonly string[];
}

/**
 * Builds the AuthContext from a Keystone v3 token body. Roles are expanded with their implied
 * roles. Throws TokenBodyError when the body is not a token body.
 */
export function authContextFromTokenBody(
  token: string,
  body: unknown,
  opts: AuthContextOptions = {},
): AuthContext {
  const parsed = keystoneTokenSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TokenBodyError(
      `not a Keystone v3 token body: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  const t = parsed.data.token;
  const roles = expandRoles(t.roles.map((r) => r.name));
  const serviceRoles = opts.serviceRoles ?? ['service'];
  const ctx: AuthContext = {
    token,
    userId: t.user.id,
    userName: t.user.name,
    userDomainId: t.user.domain.id,
    userDomainName: t.user.domain.name,
    roles,
    expiresAt: new Date(t.expires_at),
    auditIds: t.audit_ids,
  };
  if (t.issued_at !== undefined) ctx.issuedAt = new Date(t.issued_at);
  if (t.project) {
    ctx.projectId = t.project.id;
    ctx.projectName = t.project.name;
    ctx.projectDomainId = t.project.domain.id;
  }
  if (t.domain) {
    ctx.domainId = t.domain.id;
    ctx.domainName = t.domain.name;
  }
  if (t.system?.all === true) ctx.system = true;
  if (t.application_credential) ctx.applicationCredentialId = t.application_credential.id;
  if (roles.some((r) => serviceRoles.includes(r))) ctx.isServiceUser = true;
  return ctx;
}

/** Which scope a context has: `project`, `domain`, `system`, or `unscoped`. */
export function scopeOf(auth: AuthContext): 'project' | 'domain' | 'system' | 'unscoped' {
  if (auth.projectId !== undefined) return 'project';
  if (auth.domainId !== undefined) return 'domain';
  if (auth.system === true) return 'system';
  return 'unscoped';
}
