import { commonSections, loadConfigOrExit, LoadOptions } from '@kumo/common/core';
import { z } from 'zod';
import { schedulerSection } from './scheduler/scheduler-config';
import { consoleSection } from './console/console.config';

const quota = z.number().int().min(-1).max(0x7fffffff);

/**
 * Nova's default quotas (nova/conf/quota.py), used for a project (or user) without its own value;
 * -1 means unlimited. The nova-network ones (fixed_ips, floating_ips, security_groups,
 * security_group_rules) are always -1, as in Nova with Neutron: they are not configurable.
 */
export const quotaDefaultsSection = z
  .object({
    instances: quota.default(10),
    cores: quota.default(20),
    ram: quota.default(50 * 1024),
    metadata_items: quota.default(128),
    injected_files: quota.default(5),
    injected_file_content_bytes: quota.default(10 * 1024),
    injected_file_path_length: quota.default(255),
    key_pairs: quota.default(100),
    server_groups: quota.default(10),
    server_group_members: quota.default(10),
  })
  .strict();

export const computeSection = z
  .object({
    port: z.number().int().min(1).max(65535).default(8774),
    bind_host: z.string().default('0.0.0.0'),
    /** The externally reachable URL without a version (links, version documents): http://H:8774 */
    public_url: z.string().url().default('http://127.0.0.1:8774'),
    /** Most items a list answers (Nova's [api] max_limit). */
    max_limit: z.number().int().min(1).default(1000),
    /** Bits of a generated RSA key pair (Nova's paramiko default: 2048). */
    keypair_rsa_bits: z.number().int().min(1024).max(8192).default(2048),
    /** Nova's [api] enable_instance_password: POST /servers answers the admin password (given or generated). */
    enable_instance_password: z.boolean().default(true),
    /** Nova's password_length: the length of a generated admin password. */
    password_length: z.number().int().min(0).max(255).default(12),
    quota: quotaDefaultsSection.default({}),
    /** Token validation: identity's service user; flavor access and quota updates check project ids there. */
    auth_url: z.string().url().default('http://127.0.0.1:5000/v3'),
    service_user: z.string().default('kumo'),
    service_password: z.string().optional(),
    identity_public_url: z.string().url().default('http://127.0.0.1:5000'),
    /** The image service (Glance v2), asked with the user's token for images to boot and snapshots. */
    image_url: z.string().url().default('http://127.0.0.1:9292'),
    /** Placement, liveness and build timeouts (scheduler/scheduler-config.ts). */
    scheduler: schedulerSection.default({}),
  })
  .strict();

export const computeConfigSections = { ...commonSections, compute: computeSection.default({}),
  compute_console: consoleSection.default({}),
};
export type ComputeConfig = { [K in keyof typeof computeConfigSections]: z.infer<(typeof computeConfigSections)[K]> };
export type QuotaDefaults = z.infer<typeof quotaDefaultsSection>;

export function loadComputeConfig(opts?: LoadOptions): ComputeConfig {
  return loadConfigOrExit(computeConfigSections, opts);
}

export const COMPUTE_CONFIG = Symbol('COMPUTE_CONFIG');
/** The compute service's database. */
export const COMPUTE_DATABASE = 'kumo_compute';
