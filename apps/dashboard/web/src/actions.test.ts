import { describe, expect, it } from 'vitest';
import { ACTIONS, actionAllowed, allowedActions, vmStateOf } from './actions';
import type { Server } from './servers';

type State = Pick<Server, 'status' | 'OS-EXT-STS:vm_state' | 'OS-EXT-STS:task_state'>;
const st = (status: string, vm?: string, task: string | null = null): State => ({ status, 'OS-EXT-STS:vm_state': vm, 'OS-EXT-STS:task_state': task });
const ids = (s: State) => allowedActions(s).map((a) => a.id);

describe('allowedActions (compute ACTION_RULES, Nova check_instance_state)', () => {
  it('offers what each settled state allows', () => {
    expect(ids(st('ACTIVE', 'active'))).toEqual(['stop', 'reboot-soft', 'reboot-hard', 'pause', 'suspend', 'delete']);
    expect(ids(st('SHUTOFF', 'stopped'))).toEqual(['start', 'reboot-hard', 'delete']);
    expect(ids(st('PAUSED', 'paused'))).toEqual(['reboot-hard', 'unpause', 'delete']);
    expect(ids(st('SUSPENDED', 'suspended'))).toEqual(['reboot-hard', 'resume', 'delete']);
    expect(ids(st('ERROR', 'error'))).toEqual(['stop', 'reboot-hard', 'delete']);
  });

  it('offers only delete while a task runs, and a hard reboot during a reboot', () => {
    expect(ids(st('BUILD', 'building', 'spawning'))).toEqual(['delete']);
    expect(ids(st('ACTIVE', 'active', 'powering-off'))).toEqual(['delete']);
    expect(ids(st('REBOOT', 'active', 'rebooting'))).toEqual(['reboot-hard', 'delete']);
    expect(ids(st('HARD_REBOOT', 'stopped', 'rebooting_hard'))).toEqual(['reboot-hard', 'delete']);
    expect(ids(st('ACTIVE', 'active', 'image_snapshot'))).toEqual(['delete']);
  });

  it('offers nothing for a server being deleted or gone', () => {
    expect(ids(st('ACTIVE', 'active', 'deleting'))).toEqual([]);
    expect(ids(st('DELETED', 'deleted'))).toEqual([]);
  });

  it('reads the vm_state from the status when the view has none', () => {
    expect(vmStateOf(st('SHUTOFF'))).toBe('stopped');
    expect(ids(st('ACTIVE'))).toContain('pause');
    expect(ids(st('SHUTOFF'))).toEqual(['start', 'reboot-hard', 'delete']);
    // HARD_REBOOT alone does not say which vm_state: only delete is sure
    expect(ids(st('HARD_REBOOT', undefined, 'rebooting_hard'))).toEqual(['delete']);
  });

  it('asks before the destructive ones and sends Nova action bodies', () => {
    expect(ACTIONS.filter((a) => a.confirm).map((a) => a.id)).toEqual(['stop', 'reboot-hard', 'delete']);
    expect(ACTIONS.find((a) => a.id === 'reboot-soft')?.body).toEqual({ reboot: { type: 'SOFT' } });
    expect(ACTIONS.find((a) => a.id === 'delete')?.body).toBeUndefined();
    expect(actionAllowed(ACTIONS[0], st('ACTIVE', 'active'))).toBe(false);
  });
});
