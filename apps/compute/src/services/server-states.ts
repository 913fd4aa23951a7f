import { Conflict } from '@kumo/common/core';
import type { PowerAction, TaskState, VmState } from '../rpc';

export type VmStateValue = VmState;
export type TaskStateValue = TaskState;
export type PowerStateValue = 0 | 1 | 3 | 4 | 6 | 7;

/**
 * The API status of a server from its vm_state and task_state (nova/api/openstack/common.py
 * _STATE_MAP): the task state refines the vm state where Nova's map says so.
 */
const STATE_MAP: Record<string, Record<string, string>> = {
  building: { default: 'BUILD' },
  active: {
    default: 'ACTIVE',
    rebooting: 'REBOOT',
    reboot_pending: 'REBOOT',
    reboot_started: 'REBOOT',
    rebooting_hard: 'HARD_REBOOT',
    reboot_pending_hard: 'HARD_REBOOT',
    reboot_started_hard: 'HARD_REBOOT',
  },
  stopped: { default: 'SHUTOFF', rebooting_hard: 'HARD_REBOOT', reboot_pending_hard: 'HARD_REBOOT', reboot_started_hard: 'HARD_REBOOT' },
  paused: { default: 'PAUSED', rebooting_hard: 'HARD_REBOOT', reboot_pending_hard: 'HARD_REBOOT', reboot_started_hard: 'HARD_REBOOT' },
  suspended: { default: 'SUSPENDED', rebooting_hard: 'HARD_REBOOT', reboot_pending_hard: 'HARD_REBOOT', reboot_started_hard: 'HARD_REBOOT' },
  error: { default: 'ERROR', rebooting_hard: 'HARD_REBOOT', reboot_pending_hard: 'HARD_REBOOT', reboot_started_hard: 'HARD_REBOOT' },
  deleted: { default: 'DELETED' },
  'soft-delete': { default: 'SOFT_DELETED' },
};

export function serverStatus(vmState: string, taskState: string | null): string {
  const m = STATE_MAP[vmState];
  if (!m) return 'UNKNOWN';
  return (taskState !== null && m[taskState]) || m.default;
}

/** The vm_states a `status` filter means (common.py task_and_vm_state_from_status); unknown statuses match nothing. */
export function vmStatesForStatus(status: string): { vmStates: string[]; taskStates?: string[] } {
  const up = status.toUpperCase();
  const vmStates: string[] = [];
  const taskStates = new Set<string>();
  for (const [vm, m] of Object.entries(STATE_MAP)) {
    for (const [task, st] of Object.entries(m)) {
      if (st !== up) continue;
      vmStates.push(vm);
      if (task !== 'default') taskStates.add(task);
    }
  }
  // ACTIVE means vm_state active without a reboot in progress; REBOOT/HARD_REBOOT name their task states
  return { vmStates: [...new Set(vmStates)], taskStates: taskStates.size && up !== 'ACTIVE' ? [...taskStates] : undefined };
}

/** Nova's InstanceInvalidState: "Cannot '<action>' instance <id> while it is in <attr> <state>" (409). */
export class InstanceInvalidState extends Conflict {
  constructor(action: string, uuid: string, attr: 'vm_state' | 'task_state', state: string | null) {
    super(`Cannot '${action}' instance ${uuid} while it is in ${attr} ${state ?? 'None'}`);
  }
}

/** What an action needs (nova/compute/api.py check_instance_state) and the task state it sets. */
export interface ActionRule {
  /** The API action's name in messages (Nova's: `stop` for os-stop, `reboot` ...). */
  api: string;
  /** The instance action recorded (os-instance-actions `action`). */
  action: string;
  vmStates: readonly VmStateValue[];
  taskStates: readonly (TaskStateValue | null)[];
  to: TaskStateValue;
  /** The agent's power action, when it is one. */
  power?: PowerAction;
  /** Notification action name (compute.instance.<notify>.start). */
  notify: string;
}

const IDLE = [null] as const;
const HARD_REBOOT_TASKS = [null, 'rebooting', 'reboot_pending', 'reboot_started', 'rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard'] as const;

export const ACTION_RULES = {
  'os-start': { api: 'start', action: 'start', vmStates: ['stopped'], taskStates: IDLE, to: 'powering-on', power: 'start', notify: 'power_on' },
  'os-stop': { api: 'stop', action: 'stop', vmStates: ['active', 'error'], taskStates: IDLE, to: 'powering-off', power: 'stop', notify: 'power_off' },
  'reboot-SOFT': { api: 'reboot', action: 'reboot', vmStates: ['active'], taskStates: IDLE, to: 'rebooting', power: 'reboot_soft', notify: 'reboot' },
  'reboot-HARD': { api: 'reboot', action: 'reboot', vmStates: ['active', 'stopped', 'paused', 'suspended', 'error'], taskStates: HARD_REBOOT_TASKS, to: 'rebooting_hard', power: 'reboot_hard', notify: 'reboot' },
  pause: { api: 'pause', action: 'pause', vmStates: ['active'], taskStates: IDLE, to: 'pausing', power: 'pause', notify: 'pause' },
  unpause: { api: 'unpause', action: 'unpause', vmStates: ['paused'], taskStates: IDLE, to: 'unpausing', power: 'unpause', notify: 'unpause' },
  suspend: { api: 'suspend', action: 'suspend', vmStates: ['active'], taskStates: IDLE, to: 'suspending', power: 'suspend', notify: 'suspend' },
  resume: { api: 'resume', action: 'resume', vmStates: ['suspended'], taskStates: IDLE, to: 'resuming', power: 'resume', notify: 'resume' },
  createImage: { api: 'createImage', action: 'createImage', vmStates: ['active', 'stopped', 'paused', 'suspended'], taskStates: IDLE, to: 'image_snapshot', notify: 'snapshot' },
} as const satisfies Record<string, ActionRule>;
export type ActionName = keyof typeof ACTION_RULES;

/** Throws InstanceInvalidState unless the rule allows the instance's states (vm_state first, as Nova checks). */
export function checkActionAllowed(rule: ActionRule, uuid: string, vmState: string, taskState: string | null): void {
  if (!(rule.vmStates as readonly string[]).includes(vmState)) throw new InstanceInvalidState(rule.api, uuid, 'vm_state', vmState);
  if (!(rule.taskStates as readonly (string | null)[]).includes(taskState)) throw new InstanceInvalidState(rule.api, uuid, 'task_state', taskState);
}
