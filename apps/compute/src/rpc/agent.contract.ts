import { z } from 'zod';
import { defineContract } from '@kumo/messaging';
import { instanceSpec } from './instance-spec';

/**
 * The compute agent (one per hypervisor host, no database credentials), addressed as
 * `{ server: <host> }`. Casts are acknowledged when the handler ends, so a crash redelivers them:
 * every handler is idempotent (building an instance that already runs, terminating one that is
 * gone, stopping one that is off: no error). Progress and results go back through
 * `computeConductor` (instanceUpdate, actionEvent), never by a reply.
 *
 * 1.0 initial; 1.1 the build's instance spec carries `adminPass` (the config drive's admin_pass).
 */
export const powerAction = z.enum(['start', 'stop', 'reboot_soft', 'reboot_hard', 'pause', 'unpause', 'suspend', 'resume']);
export type PowerAction = z.output<typeof powerAction>;

export const computeAgent = defineContract({
  topic: 'compute.agent',
  version: '1.1',
  methods: {
    /** Fetch the image into the host's cache, prepare disks and config drive, define and start the domain. */
    buildAndRunInstance: {
      kind: 'cast',
      args: z.object({ instance: instanceSpec, buildTimeoutSeconds: z.number().int().positive().default(300) }),
    },
    /** Destroy and undefine the domain, remove its disks and config drive. */
    terminateInstance: { kind: 'cast', args: z.object({ instanceId: z.string().uuid() }) },
    /** A power action; the agent reports the resulting vm/power state through the conductor. */
    powerAction: { kind: 'cast', args: z.object({ instanceId: z.string().uuid(), action: powerAction }) },
    /** The tail of the serial console log (`os-getConsoleOutput`); `length` lines, all when absent. */
    getConsoleOutput: {
      kind: 'call',
      args: z.object({ instanceId: z.string().uuid(), length: z.number().int().positive().optional() }),
      result: z.object({ output: z.string() }),
    },
    /** Snapshot the root disk and upload it to the image service as `imageId` (created queued by the API). */
    snapshotInstance: {
      kind: 'cast',
      args: z.object({ instanceId: z.string().uuid(), imageId: z.string().uuid() }),
    },
    /** Where the console proxy reaches this domain's serial console (libvirt URI and domain name). */
    getSerialConsole: {
      kind: 'call',
      args: z.object({ instanceId: z.string().uuid() }),
      result: z.object({ libvirtUri: z.string(), domainName: z.string(), device: z.string().nullable() }),
    },
  },
});
