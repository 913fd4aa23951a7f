import { commonSections, ConfigOf, loadConfigOrExit, LoadOptions, port, serviceUserKeys } from '@kumo/common/core';
import { z } from 'zod';

export const objectSection = z
  .object({
    /** The proxy (Swift v1 API). */
    proxy_port: port.default(8080),
    bind_host: z.string().default('0.0.0.0'),
    /** Directory holding account.ring.gz, container.ring.gz, object.ring.gz. */
    ring_dir: z.string().default('/etc/kumo/rings'),
    /** Cluster-wide secrets mixed into every hash; never change them once data is stored. */
    hash_path_prefix: z.string().min(1),
    hash_path_suffix: z.string().min(1),
    /** Where the storage node's devices are mounted (`<devices>/<device>/...`). */
    devices: z.string().default('/srv/node'),
    /** This storage node's ports: object, container, account servers. */
    object_port: port.default(6200),
    container_port: port.default(6201),
    account_port: port.default(6202),
    storage_bind_host: z.string().default('127.0.0.1'),
    /** Background work of a storage node, seconds between passes (0 = off). */
    replication_interval: z.number().min(0).default(30),
    updater_interval: z.number().min(0).default(10),
    expirer_interval: z.number().min(0).default(30),
    audit_interval: z.number().min(0).default(600),
    /** The auditor's read rate (bytes per second, 0 = unlimited). */
    auditor_bytes_per_second: z.number().int().min(0).default(4 * 1024 * 1024),
    /** Tombstones older than this (seconds) are removed by the replicator. */
    reclaim_age: z.number().int().min(1).default(7 * 24 * 3600),
    /** Container and account databases a storage node keeps open at once (least recently used closed first). */
    max_open_databases: z.number().int().min(1).default(32),
    /** Objects up to this size are checked against their MD5 before a GET sends them. */
    verify_on_read_max_bytes: z.number().int().min(0).default(4 * 1024 * 1024),
    /** How the proxy validates tokens (the service user of identity). */
    ...serviceUserKeys,
  })
  .strict();

export const objectConfigSections = { ...commonSections, object: objectSection };
export type ObjectConfig = ConfigOf<typeof objectConfigSections>;

export function loadObjectConfig(opts?: LoadOptions): ObjectConfig {
  return loadConfigOrExit(objectConfigSections, opts);
}
