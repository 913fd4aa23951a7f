import { describe, expect, it } from 'vitest';
import { applyServerEvent, isTransitional, Server, statusLabel, statusTone } from './servers';

const server = (over: Partial<Server> = {}): Server => ({ id: 's1', name: 'vm1', status: 'BUILD', tenant_id: 'p1', updated: '2026-12-07T10:00:00Z', ...over });

describe('status predicates', () => {
  it.each([
    ['ACTIVE', null, 'ok'],
    ['ACTIVE', 'rebooting', 'busy'],
    ['BUILD', 'spawning', 'busy'],
    ['HARD_REBOOT', null, 'busy'],
    ['SHUTOFF', null, 'off'],
    ['PAUSED', null, 'off'],
    ['ERROR', 'deleting', 'error'],
    ['WEIRD', null, 'unknown'],
  ])('%s with task %s is %s', (status, task, tone) => {
    expect(statusTone({ status, 'OS-EXT-STS:task_state': task })).toBe(tone);
  });

  it('a stable status without a task is not transitional', () => {
    expect(isTransitional({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null })).toBe(false);
    expect(isTransitional({ status: 'ACTIVE', 'OS-EXT-STS:task_state': 'powering-off' })).toBe(true);
  });

  it('labels name the task under way', () => {
    expect(statusLabel({ status: 'BUILD', 'OS-EXT-STS:task_state': 'block_device_mapping' })).toBe('Build (block device mapping)');
    expect(statusLabel({ status: 'HARD_REBOOT' })).toBe('Hard reboot');
  });
});

describe('applyServerEvent', () => {
  it('replaces the listed server by a newer view', () => {
    const list = [server(), server({ id: 's2', name: 'vm2' })];
    const next = applyServerEvent(list, { type: 'compute.instance.create.end', payload: { server: server({ status: 'ACTIVE', updated: '2026-12-07T10:00:05Z' }) } }, 'p1');
    expect(next.map((s) => s.status)).toEqual(['ACTIVE', 'BUILD']);
    expect(next[1]).toBe(list[1]);
  });

  it('keeps the list when the event is older than what is listed', () => {
    const list = [server({ status: 'ACTIVE', updated: '2026-12-07T10:00:09Z' })];
    expect(applyServerEvent(list, { type: 'compute.instance.create.start', payload: { server: server() } }, 'p1')).toBe(list);
  });

  it('adds a new server of the project only', () => {
    const list = [server()];
    const mine = server({ id: 's3' });
    expect(applyServerEvent(list, { type: 'compute.instance.create.start', payload: { server: mine } }, 'p1')).toEqual([list[0], mine]);
    expect(applyServerEvent(list, { type: 'compute.instance.create.start', payload: { server: server({ id: 's4', tenant_id: 'other' }) } }, 'p1')).toBe(list);
  });

  it('removes a deleted server, and ignores what is not an instance event', () => {
    const list = [server(), server({ id: 's2' })];
    expect(applyServerEvent(list, { type: 'compute.instance.delete.end', payload: { server: server() } }, 'p1').map((s) => s.id)).toEqual(['s2']);
    expect(applyServerEvent(list, { type: 'image.update', payload: { server: server({ status: 'ERROR' }) } }, 'p1')).toBe(list);
    expect(applyServerEvent(list, { type: 'compute.instance.update', payload: {} }, 'p1')).toBe(list);
  });
});
