import { hostname } from 'node:os';
import { commonSections, loadConfigOrExit, type LoadOptions } from '@kumo/common/core';
import { z } from 'zod';

/**
 * The compute agent's section (`compute_agent` in kumo.yaml; KUMO_COMPUTE_AGENT_<KEY> overrides).
 * The agent holds no database credentials: only the bus, libvirt and a service user for the image
 * service (image fetches and snapshot uploads).
 */
export const computeAgentSection = z
  .object({
    /** This host's name: the RPC server name (`compute.agent.<host>`) and the instances' `host`. */
    host: z.string().min(1).default(hostname()),
    host_ip: z.string().default('127.0.0.1'),
    availability_zone: z.string().nullable().default(null),
    /** Which driver does the machine work (drivers/driver-registry.ts). */
    driver: z.string().default('libvirt'),
    libvirt_uri: z.string().default('qemu:///system'),
    /** libvirtd's socket (default /var/run/libvirt/libvirt-sock) */
    libvirt_socket: z.string().optional(),
    /** kvm | qemu (TCG) | auto: kvm when /dev/kvm exists and a probe guest runs under it. */
    virt_type: z.enum(['auto', 'kvm', 'qemu']).default('auto'),
    kvm_probe_timeout_seconds: z.number().positive().default(30),
    /** Disks, config drives, console logs and the image cache (_base/). QEMU must be able to reach it. */
    instances_path: z.string().default('/var/lib/kumo/instances'),
    /** Domains are <prefix><instance uuid>. */
    domain_prefix: z.string().regex(/^[A-Za-z0-9_.-]*$/).default('instance-'),
    machine_type: z.string().default('pc'),
    report_interval_seconds: z.number().positive().default(10),
    power_sync_interval_seconds: z.number().positive().default(30),
    /** Nova's shutdown_timeout: ACPI first, destroy after this. */
    shutdown_timeout_seconds: z.number().nonnegative().default(60),
    /** Nova's wait_soft_reboot_seconds. */
    soft_reboot_wait_seconds: z.number().nonnegative().default(120),
    start_timeout_seconds: z.number().positive().default(60),
    /** Nova's resume_guests_state_on_host_boot: at agent start, the shut-off guest of an ACTIVE instance (a host reboot) is started again. */
    resume_guests_state_on_host_boot: z.boolean().default(true),
    /** Nova's image cache manager: seconds between passes over <instances_path>/_base (0: never; Nova's -1). */
    image_cache_manager_interval_seconds: z.number().int().nonnegative().default(2400),
    /** Nova's remove_unused_base_images: false only reports what is unused. */
    remove_unused_base_images: z.boolean().default(true),
    /** Nova's remove_unused_original_minimum_age_seconds: a cached image unused for this long is removed. */
    remove_unused_original_minimum_age_seconds: z.number().int().nonnegative().default(86400),
    /** Memory, disk and vCPUs the host keeps for itself (Nova's reserved_host_*). */
    reserved_host_memory_mb: z.number().int().nonnegative().default(512),
    reserved_host_disk_mb: z.number().int().nonnegative().default(0),
    reserved_host_cpus: z.number().int().nonnegative().default(0),
    auth_url: z.string().url().default('http://127.0.0.1:5000/v3'),
    service_user: z.string().default('kumo'),
    service_password: z.string().optional(),
    service_project: z.string().default('service'),
    /** The image service's URL instead of the catalog's. */
    image_endpoint: z.string().url().optional(),
  })
  .strict();

export const computeAgentConfigSections = { ...commonSections, compute_agent: computeAgentSection.default({}) };
export type ComputeAgentConfig = { [K in keyof typeof computeAgentConfigSections]: z.infer<(typeof computeAgentConfigSections)[K]> };
export type AgentSettings = z.infer<typeof computeAgentSection>;

export function loadComputeAgentConfig(opts?: LoadOptions): ComputeAgentConfig {
  return loadConfigOrExit(computeAgentConfigSections, opts);
}
