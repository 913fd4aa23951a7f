import { commonSections, ConfigOf, loadConfigOrExit, LoadOptions, port, serviceUserKeys } from '@kumo/common';
import { z } from 'zod';

export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];

export const imageSection = z
  .object({
    port: port.default(9292),
    bind_host: z.string().default('0.0.0.0'),
    /** The externally reachable URL (version documents). */
    public_url: z.string().url().default('http://127.0.0.1:9292'),
    /** Where image data goes: a directory (`file`) or Kumo's object service through its Swift API (`object`); drivers/store-registry.ts. */
    store: z.string().default('file'),
    file_dir: z.string().default('/var/lib/kumo/images'),
    /** The object store: Swift API endpoint of the service project's account is taken from the catalog. */
    object_container: z.string().default('kumo-images'),
    /** Images bigger than this are stored as segments plus an SLO manifest (bytes). */
    object_segment_size: z.number().int().min(1024 * 1024).default(200 * 1024 * 1024),
    /** Largest image accepted (Glance's image_size_cap, 1 TiB). */
    image_size_cap: z.number().int().min(1).default(1024 ** 4),
    /** Threads hashing a big upload (MD5 and SHA-512): 1, 2 (one per digest) or auto (2 where there are more than 2 cores). */
    hash_threads: z.union([z.literal(1), z.literal(2), z.literal('auto')]).default('auto'),
    /** Glance's quotas per image (a negative value means no limit); going over answers 413. */
    image_property_quota: z.number().int().default(128),
    image_tag_quota: z.number().int().default(128),
    image_member_quota: z.number().int().default(128),
    /** Operations in one PATCH (beyond Glance, which has none): more answers 413 before any is applied. */
    image_patch_max_operations: z.number().int().min(1).default(1000),
    disk_formats: z.array(z.string()).default(DISK_FORMATS),
    container_formats: z.array(z.string()).default(CONTAINER_FORMATS),
    /** Token validation (and the object store's credentials): identity's service user. */
    ...serviceUserKeys,
  })
  .strict();

export const imageConfigSections = { ...commonSections, image: imageSection.default({}) };
export type ImageConfig = ConfigOf<typeof imageConfigSections>;

export function loadImageConfig(opts?: LoadOptions): ImageConfig {
  return loadConfigOrExit(imageConfigSections, opts);
}

export const IMAGE_CONFIG = Symbol('IMAGE_CONFIG');
/** The image service's database. */
export const IMAGE_DATABASE = 'kumo_image';
