// Reconciling the control plane with the hypervisor (Nova's _sync_power_states and _init_instance,
// seen from an agent without a database): each guest's power state goes to the conductor, which
// answers with the instance's states; a guest powered off from inside turns an ACTIVE instance
// into SHUTOFF. At start, instances left in a transitional state by a restart are settled, a
// deleted instance's guest is removed, and a Kumo domain the control plane does not know is
// reported in the log and left alone; with resume_guests_state_on_host_boot (Nova's, on by default)
// the shut-off guest of an ACTIVE instance (the host rebooted under it) is started again.
import type { Logger } from '@kumo/common';
import { GUEST_POWER, type ComputeDriver, type GuestInfo, type GuestPowerState } from '../drivers/compute-driver';
import { InstanceNotOnHost } from '../rpc/host-identity';
import type { TaskState } from '../rpc/instance-spec';
import { messageOf, type ConductorLink } from './conductor-link';
import { vmStateFor } from './compute.manager';
import type { InstanceLocks } from './instance-locks';

const BUILDING: TaskState[] = ['scheduling', 'networking', 'block_device_mapping', 'spawning'];

export class PowerSync {
  private readonly reported = new Map<string, GuestPowerState>();
  /** domains the control plane does not know (logged once each) */
  readonly orphans = new Set<string>();

  private readonly pending = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly driver: ComputeDriver,
    private readonly conductor: ConductorLink,
    private readonly locks: InstanceLocks,
    private readonly log: Logger,
    private readonly opts: {
      /** Nova's resume_guests_state_on_host_boot */
      resumeGuestsOnBoot?: boolean;
      /** how long after a hypervisor event its guest is synced (Nova waits too, so a reboot's STOPPED+STARTED settle) */
      eventDelayMs?: number;
    } = {},
  ) {}

  /** Syncs a guest soon after the hypervisor reports a change of it, instead of waiting for the next pass. */
  watch(): () => void {
    const stop = this.driver.onGuestChange((id) => {
      clearTimeout(this.pending.get(id));
      this.pending.set(
        id,
        setTimeout(() => {
          this.pending.delete(id);
          void this.syncOne(id);
        }, this.opts.eventDelayMs ?? 2000),
      );
    });
    return () => {
      stop();
      for (const t of this.pending.values()) clearTimeout(t);
      this.pending.clear();
    };
  }

  private async syncOne(instanceId: string): Promise<void> {
    if (this.locks.busy(instanceId)) return;
    try {
      const g = (await this.driver.listGuests()).find((x) => x.instanceId === instanceId);
      if (g && this.reported.get(instanceId) !== g.powerState) await this.locks.run(instanceId, () => this.syncGuest(g, false));
    } catch (err) {
      this.log.warn({ instanceId, err: messageOf(err) }, 'power state sync failed');
    }
  }

  /** One pass: every guest whose power state changed since it was last reported (all of them on the first pass). */
  async sync(): Promise<void> {
    const guests = await this.driver.listGuests();
    const present = new Set(guests.map((g) => g.instanceId));
    for (const id of this.reported.keys()) if (!present.has(id)) this.reported.delete(id);
    for (const g of guests) {
      if (this.locks.busy(g.instanceId) || this.reported.get(g.instanceId) === g.powerState) continue;
      await this.locks.run(g.instanceId, () => this.syncGuest(g, false)).catch((err: unknown) => this.log.warn({ instanceId: g.instanceId, err: messageOf(err) }, 'power state sync failed'));
    }
  }

  async tick(): Promise<void> {
    try {
      await this.sync();
    } catch (err) {
      this.log.warn({ err: messageOf(err) }, 'power state sync failed');
    }
  }

  /** At agent start, before it serves: settles every instance with a guest or files on this host. */
  async recover(): Promise<void> {
    const guests = await this.driver.listGuests();
    for (const g of guests) await this.syncGuest(g, true).catch((err: unknown) => this.log.warn({ instanceId: g.instanceId, err: messageOf(err) }, 'recovery failed'));
    const withGuest = new Set(guests.map((g) => g.instanceId));
    for (const id of await this.driver.instancesWithFiles()) {
      if (withGuest.has(id)) continue;
      await this.recoverFilesOnly(id).catch((err: unknown) => this.log.warn({ instanceId: id, err: messageOf(err) }, 'recovery failed'));
    }
  }

  private async syncGuest(g: GuestInfo, starting: boolean): Promise<void> {
    const ctx = this.conductor.context();
    let found;
    try {
      found = (await this.conductor.update(ctx, g.instanceId, { powerState: g.powerState })).found;
    } catch (err) {
      if (!(err instanceof InstanceNotOnHost)) throw err;
      // the control plane has the instance on another host: this domain is not this agent's to touch
      if (!this.orphans.has(g.instanceId)) this.log.warn({ instanceId: g.instanceId, domain: g.domainName, err: messageOf(err) }, 'a Kumo domain of an instance on another host (left alone)');
      this.orphans.add(g.instanceId);
      return;
    }
    if (!found) {
      if (!this.orphans.has(g.instanceId)) {
        this.log.warn({ instanceId: g.instanceId, domain: g.domainName, state: g.detail }, 'orphaned domain: a Kumo guest whose instance the control plane does not know (left alone)');
        this.orphans.add(g.instanceId);
      }
      return;
    }
    this.orphans.delete(g.instanceId);
    if (found.deleted || found.vmState === 'deleted') {
      this.log.warn({ instanceId: g.instanceId, domain: g.domainName }, 'the guest of a deleted instance runs here: removing it');
      await this.driver.destroy(g.instanceId);
      this.reported.delete(g.instanceId);
      return;
    }
    this.reported.set(g.instanceId, g.powerState);
    if (starting && found.taskState !== null) {
      await this.settleTransitional(g, found.taskState);
      return;
    }
    if (found.taskState !== null) return;
    const off = g.powerState === GUEST_POWER.SHUTDOWN || g.powerState === GUEST_POWER.CRASHED;
    if (starting && found.vmState === 'active' && off && this.opts.resumeGuestsOnBoot) {
      await this.resumeOnBoot(g);
      return;
    }
    if (found.vmState === 'active' && off) {
      this.log.info({ instanceId: g.instanceId, state: g.detail }, 'the guest powered off by itself: the instance is stopped');
      await this.conductor.update(ctx, g.instanceId, { vmState: 'stopped', powerState: g.powerState }, { expect: [null], notify: { action: 'power_off', phase: 'end' } });
    } else if (found.vmState === 'stopped' && g.powerState === GUEST_POWER.RUNNING) {
      this.log.info({ instanceId: g.instanceId }, 'the guest of a stopped instance runs (started outside Kumo): the instance is active');
      await this.conductor.update(ctx, g.instanceId, { vmState: 'active', powerState: g.powerState }, { expect: [null], notify: { action: 'power_on', phase: 'end' } });
    }
  }

  /** Nova's _resume_guests_state: the instance was ACTIVE when its host went down; its guest runs again. */
  private async resumeOnBoot(g: GuestInfo): Promise<void> {
    const ctx = this.conductor.context();
    this.log.info({ instanceId: g.instanceId, domain: g.domainName, state: g.detail }, 'starting the guest of an ACTIVE instance again (resume_guests_state_on_host_boot)');
    try {
      const power = await this.driver.power(g.instanceId, 'start');
      this.reported.set(g.instanceId, power);
      await this.conductor.update(ctx, g.instanceId, { vmState: vmStateFor(null, power), powerState: power }, { expect: [null], notify: { action: 'power_on', phase: 'end' } });
    } catch (err) {
      this.log.warn({ instanceId: g.instanceId, err: messageOf(err) }, 'the guest could not be started again: the instance is stopped');
      await this.conductor.update(ctx, g.instanceId, { vmState: 'stopped', powerState: g.powerState }, { expect: [null], notify: { action: 'power_off', phase: 'end' } });
    }
  }

  /** A task the agent was doing when it stopped: a build that got its guest running ends ACTIVE, a delete is finished, anything else is settled from the power state. */
  private async settleTransitional(g: GuestInfo, task: TaskState): Promise<void> {
    const ctx = this.conductor.context();
    this.log.info({ instanceId: g.instanceId, taskState: task, state: g.detail }, 'recovering an instance left in a transitional state');
    if (task === 'deleting') {
      await this.driver.destroy(g.instanceId);
      await this.conductor.update(ctx, g.instanceId, { vmState: 'deleted', taskState: null, powerState: GUEST_POWER.NOSTATE }, { expect: ['deleting'], notify: { action: 'delete', phase: 'end' } });
      return;
    }
    if (BUILDING.includes(task)) {
      if (g.powerState === GUEST_POWER.RUNNING) {
        await this.conductor.update(ctx, g.instanceId, { vmState: 'active', taskState: null, powerState: g.powerState }, { expect: BUILDING, notify: { action: 'create', phase: 'end' } });
      } else {
        await this.driver.destroy(g.instanceId);
        await this.failInterruptedBuild(g.instanceId, task);
      }
      return;
    }
    await this.conductor.update(ctx, g.instanceId, { vmState: vmStateFor(null, g.powerState), taskState: null, powerState: g.powerState }, { expect: [task] });
  }

  private async failInterruptedBuild(instanceId: string, task: TaskState): Promise<boolean> {
    const r = await this.conductor.update(
      undefined,
      instanceId,
      {
        vmState: 'error',
        taskState: null,
        powerState: GUEST_POWER.NOSTATE,
        fault: { code: 500, message: `Build of instance ${instanceId} was interrupted: the compute agent restarted during ${task}`, details: '' },
      },
      { expect: BUILDING, notify: { action: 'create', phase: 'error' } },
    );
    return r.applied;
  }

  /** Files without a guest: a build interrupted before its domain was defined, or a deleted instance's residue. */
  private async recoverFilesOnly(instanceId: string): Promise<void> {
    const failed = await this.failInterruptedBuild(instanceId, 'spawning');
    const found = failed ? null : await this.conductor.state(undefined, instanceId);
    if (failed || found?.deleted || found?.vmState === 'deleted') {
      this.log.info({ instanceId }, 'removing the files of an interrupted build or a deleted instance');
      await this.driver.destroy(instanceId);
    } else if (!found) {
      this.log.warn({ instanceId }, 'instance files of an instance the control plane does not know (left alone)');
    }
  }
}
