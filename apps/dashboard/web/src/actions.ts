/**
 * The server actions the app offers and when: the same vm_state / task_state rules as compute's
 * (apps/compute/src/services/server-states.ts ACTION_RULES, Nova's check_instance_state), so a
 * button is shown only when the API would not answer 409 "Cannot '<action>' instance … while it
 * is in vm_state …".
 */
import type { Server } from './servers';

export type ActionId = 'start' | 'stop' | 'reboot-soft' | 'reboot-hard' | 'pause' | 'unpause' | 'suspend' | 'resume' | 'delete';

export interface ActionSpec {
  id: ActionId;
  label: string;
  vmStates: readonly string[] | 'any';
  taskStates: readonly (string | null)[] | 'any-but-deleting';
  /** Asks first: what is lost. */
  confirm?: string;
  /** The request: POST /servers/{id}/action with `body`, or DELETE /servers/{id}. */
  body?: Record<string, unknown>;
}

const IDLE = [null] as const;
const HARD_REBOOT_TASKS = [null, 'rebooting', 'reboot_pending', 'reboot_started', 'rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard'] as const;

export const ACTIONS: readonly ActionSpec[] = [
  { id: 'start', label: 'Start', vmStates: ['stopped'], taskStates: IDLE, body: { 'os-start': null } },
  { id: 'stop', label: 'Stop', vmStates: ['active', 'error'], taskStates: IDLE, body: { 'os-stop': null }, confirm: 'The guest is asked to shut down (ACPI) and powered off if it has not within the shutdown timeout (60 s unless the image sets one): unsaved work may be lost.' },
  { id: 'reboot-soft', label: 'Reboot', vmStates: ['active'], taskStates: IDLE, body: { reboot: { type: 'SOFT' } } },
  {
    id: 'reboot-hard',
    label: 'Hard reboot',
    vmStates: ['active', 'stopped', 'paused', 'suspended', 'error'],
    taskStates: HARD_REBOOT_TASKS,
    body: { reboot: { type: 'HARD' } },
    confirm: 'The guest is reset as by its power button: unsaved work in it is lost.',
  },
  { id: 'pause', label: 'Pause', vmStates: ['active'], taskStates: IDLE, body: { pause: null } },
  { id: 'unpause', label: 'Unpause', vmStates: ['paused'], taskStates: IDLE, body: { unpause: null } },
  { id: 'suspend', label: 'Suspend', vmStates: ['active'], taskStates: IDLE, body: { suspend: null } },
  { id: 'resume', label: 'Resume', vmStates: ['suspended'], taskStates: IDLE, body: { resume: null } },
  // Nova deletes in any state (check_instance_state without states); one already being deleted is not offered again
  { id: 'delete', label: 'Delete', vmStates: 'any', taskStates: 'any-but-deleting', confirm: 'The server and its disk are deleted. This cannot be undone.' },
];

/** The vm_state the API shows (OS-EXT-STS:vm_state), else the one its status stands for. */
const VM_OF_STATUS: Record<string, string> = { ACTIVE: 'active', REBOOT: 'active', SHUTOFF: 'stopped', PAUSED: 'paused', SUSPENDED: 'suspended', ERROR: 'error', BUILD: 'building', DELETED: 'deleted', SOFT_DELETED: 'soft-delete' };
export function vmStateOf(s: Pick<Server, 'status' | 'OS-EXT-STS:vm_state'>): string | undefined {
  return s['OS-EXT-STS:vm_state'] ?? VM_OF_STATUS[s.status];
}

/** Whether the API would take `action` for a server in this state. */
export function actionAllowed(action: ActionSpec, s: Pick<Server, 'status' | 'OS-EXT-STS:vm_state' | 'OS-EXT-STS:task_state'>): boolean {
  const vm = vmStateOf(s);
  const task = s['OS-EXT-STS:task_state'] ?? null;
  if (vm === 'deleted') return false;
  if (action.vmStates !== 'any' && (!vm || !action.vmStates.includes(vm))) return false;
  if (action.taskStates === 'any-but-deleting') return task !== 'deleting';
  return action.taskStates.includes(task);
}

/** The actions a server's state allows, in menu order. */
export function allowedActions(s: Pick<Server, 'status' | 'OS-EXT-STS:vm_state' | 'OS-EXT-STS:task_state'>): ActionSpec[] {
  return ACTIONS.filter((a) => actionAllowed(a, s));
}
