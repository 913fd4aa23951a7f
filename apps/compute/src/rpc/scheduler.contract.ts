import { z } from 'zod';
import { defineContract } from '@kumo/messaging';

/**
 * The scheduler (shared queue: any scheduler process takes a request). The API has written the
 * instances (vm_state building, task_state scheduling) and their request spec; the scheduler
 * filters and weighs the hosts, claims resources atomically, sets `host` and casts
 * `computeAgent.buildAndRunInstance` to the chosen host — or moves each instance it cannot place to
 * ERROR with a fault naming every filter and what it removed.
 *
 * 1.0 initial; 1.1 scheduleInstances `adminPass`.
 */
export const computeScheduler = defineContract({
  topic: 'compute.scheduler',
  version: '1.1',
  methods: {
    scheduleInstances: {
      kind: 'cast',
      args: z.object({
        instanceIds: z.array(z.string().uuid()).min(1).max(1000),
        /** The servers' admin password (one per request, as Nova's admin_password), passed on to the build; never stored. */
        adminPass: z.string().optional(),
      }),
    },
  },
});
