import { z } from 'zod';

/**
 * The `compute.scheduler` section: placement (Nova's [filter_scheduler] and allocation ratios,
 * nova/conf/compute.py initial_*_allocation_ratio), liveness and build timeouts.
 */
export const schedulerSection = z
  .object({
    /** spread: most free RAM first (Nova's default RAMWeigher multiplier 1.0); pack: least free first. */
    weigher: z.enum(['spread', 'pack']).default('spread'),
    cpu_allocation_ratio: z.number().positive().default(16),
    ram_allocation_ratio: z.number().positive().default(1.5),
    disk_allocation_ratio: z.number().positive().default(1),
    /** RAM a host keeps for itself (Nova's reserved_host_memory_mb). */
    reserved_host_memory_mb: z.number().int().min(0).default(0),
    /** A host whose last report is older than this many seconds is down (Nova's service_down_time). */
    service_down_time: z.number().int().positive().default(60),
    /** A build that does not progress for this many seconds goes to ERROR naming its step. */
    build_timeout: z.number().int().positive().default(300),
    /** How often (seconds) the scheduler process looks for builds on dead hosts and stalled builds. */
    liveness_interval: z.number().positive().default(10),
    /** How often (seconds) the scheduler process reports itself up (os-services). */
    heartbeat_interval: z.number().positive().default(10),
    /** The zone of a host that reports none, and what `availability_zone` means when absent. */
    default_availability_zone: z.string().min(1).default('nova'),
    /** Placement rounds when claims are lost to concurrent boots. */
    max_attempts: z.number().int().min(1).default(3),
  })
  .strict();
export type SchedulerConfig = z.infer<typeof schedulerSection>;
