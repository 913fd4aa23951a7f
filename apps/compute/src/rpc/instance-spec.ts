import { z } from 'zod';

/**
 * What an agent is told about an instance it must build: everything it needs, since an agent has
 * no database credentials. The scheduler writes it from the instance row, the flavor and the image
 * (read from the image service with the user's request when the API accepted the create).
 */
export const flavorSpec = z.object({
  id: z.string(),
  name: z.string(),
  vcpus: z.number().int().positive(),
  memoryMb: z.number().int().positive(),
  rootGb: z.number().int().nonnegative(),
  ephemeralGb: z.number().int().nonnegative().default(0),
  swapMb: z.number().int().nonnegative().default(0),
  extraSpecs: z.record(z.string()).default({}),
});

export const imageSpec = z.object({
  id: z.string().uuid(),
  name: z.string().nullable().default(null),
  diskFormat: z.string().nullable(),
  containerFormat: z.string().nullable().default(null),
  size: z.number().int().nonnegative().nullable(),
  /** Glance's md5 `checksum` and `os_hash_algo`/`os_hash_value`: the agent verifies what it fetches. */
  checksum: z.string().nullable().default(null),
  osHashAlgo: z.string().nullable().default(null),
  osHashValue: z.string().nullable().default(null),
  minDisk: z.number().int().nonnegative().default(0),
  minRam: z.number().int().nonnegative().default(0),
  /** Image properties (`hw_architecture`, `hw_disk_bus`, `os_type` ...), as strings. */
  properties: z.record(z.string()).default({}),
});

/**
 * A network the user asked for (`networks` of POST /servers). Until the network service exists the
 * agent boots without a NIC; with it, the agent asks network for these ports, bound to its host.
 */
export const requestedNetwork = z.object({
  networkId: z.string().optional(),
  portId: z.string().optional(),
  fixedIp: z.string().optional(),
});

/** A block device (block_device_mapping_v2), for boot from volume and attach: the volume issue. */
export const blockDeviceSpec = z.object({
  sourceType: z.enum(['image', 'volume', 'snapshot', 'blank']),
  destinationType: z.enum(['local', 'volume']),
  uuid: z.string().nullable().default(null),
  bootIndex: z.number().int().nullable().default(null),
  volumeSizeGb: z.number().int().positive().nullable().default(null),
  deleteOnTermination: z.boolean().default(false),
  deviceName: z.string().nullable().default(null),
});

export const instanceSpec = z.object({
  instanceId: z.string().uuid(),
  name: z.string(),
  hostname: z.string(),
  projectId: z.string(),
  userId: z.string(),
  reservationId: z.string(),
  launchIndex: z.number().int().nonnegative().default(0),
  availabilityZone: z.string().nullable().default(null),
  flavor: flavorSpec,
  image: imageSpec,
  keyPair: z.object({ name: z.string(), publicKey: z.string(), type: z.string().default('ssh') }).nullable().default(null),
  /** base64, as the API received it (validated there: base64, ≤ 64 KiB decoded). */
  userData: z.string().nullable().default(null),
  metadata: z.record(z.string()).default({}),
  /**
   * The admin password the create gave or Kumo generated, for the config drive's meta_data.json
   * `admin_pass` (Nova's injection_info.admin_pass); it travels with the build only, never stored.
   */
  adminPass: z.string().nullable().default(null),
  configDrive: z.boolean().default(false),
  networks: z.union([z.literal('none'), z.literal('auto'), z.array(requestedNetwork)]).default([]),
  blockDevices: z.array(blockDeviceSpec).default([]),
  createdAt: z.string(),
});
export type InstanceSpec = z.output<typeof instanceSpec>;
export type InstanceSpecInput = z.input<typeof instanceSpec>;

/** Nova's power states (the numbers the API shows in OS-EXT-STS:power_state). */
export const POWER_STATE = { NOSTATE: 0, RUNNING: 1, PAUSED: 3, SHUTDOWN: 4, CRASHED: 6, SUSPENDED: 7 } as const;
export const powerState = z.union([z.literal(0), z.literal(1), z.literal(3), z.literal(4), z.literal(6), z.literal(7)]);

/** Nova's vm_state and task_state values that Kumo uses. */
export const vmState = z.enum(['building', 'active', 'stopped', 'paused', 'suspended', 'error', 'deleted', 'soft-delete']);
export type VmState = z.output<typeof vmState>;
export const taskState = z.enum([
  'scheduling',
  'block_device_mapping',
  'networking',
  'spawning',
  'image_snapshot',
  'image_pending_upload',
  'image_uploading',
  'powering-off',
  'powering-on',
  'rebooting',
  'reboot_pending',
  'reboot_started',
  'rebooting_hard',
  'reboot_pending_hard',
  'reboot_started_hard',
  'pausing',
  'unpausing',
  'suspending',
  'resuming',
  'deleting',
]);
export type TaskState = z.output<typeof taskState>;

/** A fault as the API shows it on an ERROR server (`fault: {code, message, details, created}`). */
export const faultSpec = z.object({
  code: z.number().int().default(500),
  message: z.string().max(255),
  details: z.string().max(65535).default(''),
});
export type FaultSpec = z.output<typeof faultSpec>;
