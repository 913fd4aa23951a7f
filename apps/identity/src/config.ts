import { commonSections, ConfigOf, loadConfigOrExit, LoadOptions, port } from '@kumo/common';
import { z } from 'zod';

export const identitySection = z
  .object({
    port: port.default(5000),
    bind_host: z.string().default('0.0.0.0'),
    /** The externally reachable URL of this service (version documents, links, WWW-Authenticate). */
    public_url: z.string().url().default('http://127.0.0.1:5000'),
    /** Directory of token signing keys (created with a first key when missing; newest key signs). */
    key_repository: z.string().default('/etc/kumo/identity-keys'),
    /** Token lifetime in seconds (Keystone's default: 3600). */
    token_expiration: z.number().int().min(60).max(7 * 24 * 3600).default(3600),
    /** bcrypt cost for passwords and application credential secrets (Keystone's default: 12). */
    password_hash_rounds: z.number().int().min(4).max(16).default(12),
    max_password_length: z.number().int().min(8).max(4096).default(4096),
    /** Seconds a validated token body stays cached (any identity write or revocation flushes it). */
    validation_cache_ttl: z.number().int().min(0).max(3600).default(300),
    validation_cache_size: z.number().int().min(0).default(10_000),
    /** The service user other Kumo services authenticate as (created by bootstrap when a password is set). */
    service_user: z.string().default('kumo'),
    service_password: z.string().optional(),
    /** Host names bootstrap puts in the catalog for each interface. */
    catalog_public_host: z.string().default('127.0.0.1'),
    catalog_internal_host: z.string().optional(),
    catalog_admin_host: z.string().optional(),
    region: z.string().default('RegionOne'),
    /** Publish revocations on the bus (libs/auth caches in other services evict on them). */
    publish_revocations: z.boolean().default(true),
    /**
     * Keystone's `[security_compliance] lockout_failure_attempts`: after this many failed password
     * checks in a row a user is locked for `lockout_duration` seconds. Absent (the default): no lockout.
     */
    lockout_failure_attempts: z.number().int().min(1).optional(),
    /** Keystone's `[security_compliance] lockout_duration` (seconds; Keystone's default 1800). */
    lockout_duration: z.number().int().min(1).default(1800),
    /**
     * Beyond Keystone: failed `POST /v3/auth/tokens` allowed per source address within
     * `auth_failure_window` seconds; more are answered 429 with Retry-After. 0 turns the limit off.
     */
    auth_failure_limit: z.number().int().min(0).default(20),
    auth_failure_window: z.number().int().min(1).max(86_400).default(60),
    /** Source addresses the limit remembers (least recently failing forgotten first). */
    auth_failure_sources: z.number().int().min(1).max(10_000_000).default(10_000),
  })
  .strict();

export const identityConfigSections = { ...commonSections, identity: identitySection.default({}) };
export type IdentityConfig = ConfigOf<typeof identityConfigSections>;

export function loadIdentityConfig(opts?: LoadOptions): IdentityConfig {
  return loadConfigOrExit(identityConfigSections, opts);
}

/** DI token for the parsed configuration. */
export const IDENTITY_CONFIG = Symbol('IDENTITY_CONFIG');
