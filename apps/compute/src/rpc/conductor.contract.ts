import { z } from 'zod';
import { defineContract } from '@kumo/messaging';
import { faultSpec, powerState, taskState, vmState } from './instance-spec';

/**
 * What agents tell the control plane (served by the scheduler process, which holds the database).
 * An agent has no database credentials: its host report, every state change of an instance and
 * every step of an action come here. The conductor applies state changes with compare-and-set
 * transitions, emits `compute.instance.<action>.start|end|error` notifications with the server's
 * view, and records instance-action events.
 *
 * 1.0 initial; 1.1 instanceState (an agent's recovery reads the state without writing it).
 */
export const hostReport = z.object({
  host: z.string().min(1).max(255),
  hypervisorHostname: z.string(),
  hostIp: z.string(),
  availabilityZone: z.string().nullable().default(null),
  hypervisorType: z.string().default('QEMU'),
  hypervisorVersion: z.number().int().nonnegative(),
  /** `kvm` when /dev/kvm works for guests, else `qemu` (TCG), and why. */
  virtType: z.enum(['kvm', 'qemu']),
  virtTypeReason: z.string(),
  cpuInfo: z.string().default('{}'),
  vcpus: z.number().int().nonnegative(),
  memoryMb: z.number().int().nonnegative(),
  localGb: z.number().int().nonnegative(),
  vcpusUsed: z.number().int().nonnegative(),
  memoryMbUsed: z.number().int().nonnegative(),
  localGbUsed: z.number().int().nonnegative(),
  freeDiskGb: z.number().nonnegative(),
  runningVms: z.number().int().nonnegative(),
  /** Every Kumo domain libvirt has on this host (uuid = server id) with its power state. */
  instances: z.array(z.object({ instanceId: z.string().uuid(), powerState })).default([]),
  agentVersion: z.string(),
  reportedAt: z.string(),
});
export type HostReport = z.output<typeof hostReport>;

export const instanceChange = z.object({
  vmState: vmState.optional(),
  taskState: taskState.nullable().optional(),
  powerState: powerState.optional(),
  host: z.string().nullable().optional(),
  launchedAt: z.string().nullable().optional(),
  progress: z.number().int().min(0).max(100).optional(),
  /** Set on the way to ERROR: what failed and why, for the server's `fault`. */
  fault: faultSpec.optional(),
});

/** An instance's state as the conductor found it (after its change, when one applied). */
const foundState = z.object({ vmState: vmState, taskState: taskState.nullable(), deleted: z.boolean() });

export const computeConductor = defineContract({
  topic: 'compute.conductor',
  version: '1.1',
  methods: {
    /** Periodic (and at agent start): capacity, usage, hypervisor facts, the domains it has. */
    reportHost: { kind: 'cast', args: hostReport },
    /**
     * Change an instance's state if its task state is one of `expectTaskState` (when given):
     * the agent learns whether the change applied and the state found (e.g. a delete raced it).
     */
    instanceUpdate: {
      kind: 'call',
      args: z.object({
        instanceId: z.string().uuid(),
        expectTaskState: z.array(taskState.nullable()).optional(),
        change: instanceChange,
        /** The notification action (`create`, `power_off`, `reboot` ...) and phase to emit. */
        notify: z.object({ action: z.string(), phase: z.enum(['start', 'end', 'error']) }).optional(),
      }),
      result: z.object({ applied: z.boolean(), found: foundState.nullable() }),
    },
    /** The instance's state as the control plane has it; null when it does not know the instance. */
    instanceState: {
      kind: 'call',
      args: z.object({ instanceId: z.string().uuid() }),
      result: z.object({ found: foundState.nullable() }),
    },
    /** One step of an instance action (`os-instance-actions` events), started or finished. */
    actionEvent: {
      kind: 'cast',
      args: z.object({
        instanceId: z.string().uuid(),
        requestId: z.string(),
        event: z.string(),
        phase: z.enum(['start', 'finish']),
        result: z.enum(['Success', 'Error']).optional(),
        details: z.string().max(65535).optional(),
        at: z.string(),
      }),
    },
  },
});
