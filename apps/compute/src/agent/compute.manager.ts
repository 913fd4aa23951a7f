// The compute agent's handlers of computeAgent (Nova's ComputeManager, without a database): each
// one runs under the instance's lock, drives the ComputeDriver, and reports every state change
// and step to the conductor. Builds never stay in BUILD: a failure or the build timeout ends in
// ERROR with a fault naming the step and the driver's own message, and the driver leaves nothing.
import { isKumoError, NotFound, type Logger, type RequestContext } from '@kumo/common/core';
import type { Handlers } from '@kumo/messaging';
import { GUEST_POWER, GuestNotFound, type BuildStep, type ComputeDriver, type GuestPowerState, type PowerOperation } from '../drivers/compute-driver';
import type { computeAgent, PowerAction } from '../rpc/agent.contract';
import type { InstanceSpec, TaskState, VmState } from '../rpc/instance-spec';
import { messageOf, type ConductorLink } from './conductor-link';
import { InstanceLocks } from './instance-locks';

/** Where snapshots go (the image service: ImageClient.upload of a queued image). */
export interface SnapshotStore {
  upload(imageId: string, path: string): Promise<void>;
  /** removes the queued image of a failed snapshot (best effort) */
  discard(imageId: string): Promise<void>;
}

const BUILD_TASK_STATES: TaskState[] = ['scheduling', 'networking', 'block_device_mapping', 'spawning'];

interface PowerPlan {
  expect: Array<TaskState | null>;
  event: string;
  notify: string;
}

/** The task states each action may run from (the API set the first), its event and notification names (Nova's). */
const POWER_PLANS: Record<PowerAction, PowerPlan> = {
  start: { expect: ['powering-on'], event: 'compute_start_instance', notify: 'power_on' },
  stop: { expect: ['powering-off'], event: 'compute_stop_instance', notify: 'power_off' },
  reboot_soft: { expect: ['rebooting', 'reboot_pending', 'reboot_started'], event: 'compute_reboot_instance', notify: 'reboot' },
  reboot_hard: { expect: ['rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard'], event: 'compute_reboot_instance', notify: 'reboot' },
  pause: { expect: ['pausing'], event: 'compute_pause_instance', notify: 'pause' },
  unpause: { expect: ['unpausing'], event: 'compute_unpause_instance', notify: 'unpause' },
  suspend: { expect: ['suspending'], event: 'compute_suspend_instance', notify: 'suspend' },
  resume: { expect: ['resuming'], event: 'compute_resume_instance', notify: 'resume' },
};

/** The vm_state a power state means once an action is over. */
export function vmStateFor(action: PowerAction | null, power: GuestPowerState): VmState {
  // a suspended (managed-saved) guest is shut off with its memory on disk
  if (action === 'suspend' && power !== GUEST_POWER.RUNNING) return 'suspended';
  if (power === GUEST_POWER.RUNNING) return 'active';
  if (power === GUEST_POWER.PAUSED) return action === 'suspend' ? 'suspended' : 'paused';
  if (power === GUEST_POWER.SUSPENDED) return 'suspended';
  return 'stopped';
}

/** GuestNotFound as @kumo/common's NotFound, which RPC carries typed to the API (a 404 there). */
const asNotFound = <T>(p: Promise<T>): Promise<T> =>
  p.catch((err: unknown) => {
    throw err instanceof GuestNotFound ? new NotFound(err.message) : err;
  });

const truncate = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

export interface ManagerOptions {
  host: string;
  now?: () => Date;
}

export class ComputeManager {
  readonly locks = new InstanceLocks();
  private readonly now: () => Date;

  constructor(
    private readonly driver: ComputeDriver,
    private readonly conductor: ConductorLink,
    private readonly snapshots: SnapshotStore,
    private readonly log: Logger,
    private readonly opts: ManagerOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  handlers(): Handlers<typeof computeAgent> {
    return {
      buildAndRunInstance: (ctx, { instance, buildTimeoutSeconds }) => this.locks.run(instance.instanceId, () => this.build(ctx, instance, buildTimeoutSeconds)),
      terminateInstance: (ctx, { instanceId }) => {
        this.locks.cancelBuild(instanceId, 'the instance is being deleted');
        return this.locks.run(instanceId, () => this.terminate(ctx, instanceId));
      },
      powerAction: (ctx, { instanceId, action }) => this.locks.run(instanceId, () => this.powerAction(ctx, instanceId, action)),
      getConsoleOutput: async (_ctx, { instanceId, length }) => ({ output: await asNotFound(this.driver.consoleOutput(instanceId, length)) }),
      snapshotInstance: (ctx, { instanceId, imageId }) => this.locks.run(instanceId, () => this.snapshot(ctx, instanceId, imageId)),
      getSerialConsole: (_ctx, { instanceId }) => asNotFound(this.driver.serialConsole(instanceId)),
    };
  }

  async build(ctx: RequestContext, spec: InstanceSpec, timeoutSeconds: number): Promise<void> {
    const id = spec.instanceId;
    const log = this.log.child({ instanceId: id, requestId: ctx.requestId });
    const claimed = await this.conductor.update(ctx, id, { taskState: 'spawning', host: this.opts.host }, { expect: BUILD_TASK_STATES, notify: { action: 'create', phase: 'start' } });
    if (!claimed.applied) {
      if (!claimed.found || claimed.found.deleted) {
        log.info({ found: claimed.found }, 'build of an instance that is gone: nothing built (leftovers removed)');
        await this.driver.destroy(id);
      } else {
        log.info({ found: claimed.found }, 'build skipped: the instance is no longer building');
      }
      return;
    }
    const event = 'compute__do_build_and_run_instance';
    await this.conductor.event(ctx, id, event, 'start');
    const ac = this.locks.startBuild(id);
    let current: BuildStep | 'start' = 'start';
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new Error(`Build of instance ${id} timed out after ${timeoutSeconds} s during step ${current}`);
        ac.abort(err);
        reject(err);
      }, timeoutSeconds * 1000);
    });
    const cancelled = new Promise<never>((_, reject) => ac.signal.addEventListener('abort', () => reject(ac.signal.reason as Error), { once: true }));
    timedOut.catch(() => undefined);
    cancelled.catch(() => undefined);
    const started = Date.now();
    const spawn = this.driver.spawn(spec, {
      signal: ac.signal,
      step: (name, fn) => {
        current = name;
        return this.conductor.step(ctx, id, `compute_${name}`, fn);
      },
    });
    try {
      await Promise.race([spawn, timedOut, cancelled]);
      const r = await this.conductor.update(
        ctx,
        id,
        { vmState: 'active', taskState: null, powerState: GUEST_POWER.RUNNING, launchedAt: this.now().toISOString() },
        { expect: ['spawning'], notify: { action: 'create', phase: 'end' } },
      );
      log.info({ ms: Date.now() - started, applied: r.applied }, 'instance spawned');
      if (!r.applied) {
        log.info({ found: r.found }, 'the instance changed while it was built (deleted?): its guest is removed');
        await this.driver.destroy(id);
        await this.conductor.event(ctx, id, event, 'finish', 'Error', 'the instance was deleted while it was being built');
        return;
      }
      await this.conductor.event(ctx, id, event, 'finish', 'Success');
    } catch (err) {
      // the spawn ends by itself (at its next step when aborted) and removes what it made
      const settled = spawn.then(
        () => this.driver.destroy(id),
        () => undefined,
      );
      const step = current;
      const message = truncate(`Build of instance ${id} failed at step ${step}: ${messageOf(err)}`, 255);
      log.error({ step, err: messageOf(err), ms: Date.now() - started }, 'build failed');
      const deleting = ac.signal.aborted && !(ac.signal.reason instanceof Error && ac.signal.reason.message.includes('timed out'));
      if (!deleting) {
        await this.conductor.update(
          ctx,
          id,
          {
            vmState: 'error',
            taskState: null,
            powerState: GUEST_POWER.NOSTATE,
            fault: { code: isKumoError(err) && err.status < 500 ? err.status : 500, message, details: `step: ${step}\n${(err as Error).stack ?? messageOf(err)}` },
          },
          { expect: ['spawning'], notify: { action: 'create', phase: 'error' } },
        );
      }
      await this.conductor.event(ctx, id, event, 'finish', 'Error', message);
      await settled;
    } finally {
      clearTimeout(timer);
      this.locks.endBuild(id, ac);
    }
  }

  /**
   * Nova's terminate: the guest destroyed, undefined and its files removed (the driver, idempotent),
   * then the conductor deletes the row (quota and claim released, delete.end). A driver failure
   * puts the instance in ERROR with a fault naming libvirt's message (Nova's _delete_instance), so
   * it is not left `deleting`: another DELETE tries again.
   */
  async terminate(ctx: RequestContext, instanceId: string): Promise<void> {
    try {
      await this.conductor.step(ctx, instanceId, 'compute_terminate_instance', () => this.driver.destroy(instanceId));
    } catch (err) {
      const power = await this.driver.powerState(instanceId).catch(() => GUEST_POWER.NOSTATE);
      const message = truncate(`Failed to delete instance ${instanceId}: ${messageOf(err)}`, 255);
      this.log.error({ instanceId, requestId: ctx.requestId, err: messageOf(err) }, 'terminate failed: the instance goes to ERROR');
      await this.conductor.update(
        ctx,
        instanceId,
        { vmState: 'error', taskState: null, powerState: power, fault: { code: 500, message, details: (err as Error).stack ?? messageOf(err) } },
        { expect: ['deleting'], notify: { action: 'delete', phase: 'error' } },
      );
      return;
    }
    await this.conductor.update(ctx, instanceId, { vmState: 'deleted', taskState: null, powerState: GUEST_POWER.NOSTATE }, { notify: { action: 'delete', phase: 'end' } });
  }

  async powerAction(ctx: RequestContext, instanceId: string, action: PowerAction): Promise<void> {
    const plan = POWER_PLANS[action];
    try {
      const power = await this.conductor.step(ctx, instanceId, plan.event, () => this.driver.power(instanceId, action as PowerOperation));
      await this.conductor.update(ctx, instanceId, { vmState: vmStateFor(action, power), taskState: null, powerState: power }, { expect: plan.expect, notify: { action: plan.notify, phase: 'end' } });
    } catch (err) {
      // Nova's reverts_task_state: the action failed, the instance keeps what it really is
      const power = await this.driver.powerState(instanceId).catch(() => null);
      this.log.error({ instanceId, action, err: messageOf(err) }, 'power action failed');
      await this.conductor.update(
        ctx,
        instanceId,
        power === null ? { taskState: null } : { taskState: null, powerState: power, vmState: vmStateFor(null, power) },
        { expect: plan.expect, notify: { action: plan.notify, phase: 'error' } },
      );
    }
  }

  async snapshot(ctx: RequestContext, instanceId: string, imageId: string): Promise<void> {
    try {
      await this.conductor.step(ctx, instanceId, 'compute_snapshot_instance', () =>
        this.driver.snapshot(instanceId, {
          onUploading: async () => {
            await this.conductor.update(ctx, instanceId, { taskState: 'image_uploading' }, { expect: ['image_snapshot', 'image_pending_upload'] });
          },
          upload: (path) => this.snapshots.upload(imageId, path),
        }),
      );
      await this.conductor.update(ctx, instanceId, { taskState: null }, { expect: ['image_uploading'], notify: { action: 'snapshot', phase: 'end' } });
    } catch (err) {
      this.log.error({ instanceId, imageId, err: messageOf(err) }, 'snapshot failed');
      await this.snapshots.discard(imageId).catch((e: unknown) => this.log.warn({ imageId, err: messageOf(e) }, 'the failed snapshot image was not deleted'));
      await this.conductor.update(ctx, instanceId, { taskState: null }, { expect: ['image_snapshot', 'image_pending_upload', 'image_uploading'], notify: { action: 'snapshot', phase: 'error' } });
    }
  }
}
