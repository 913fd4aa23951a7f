import { describe, expect, it } from 'vitest';
import { faultAdvice, formatSeconds, parseTime, powerStateLabel, sortActions, stepDuration } from './server-detail';

describe('server detail helpers', () => {
  it("times each step, reading Nova's zone-less timestamps as UTC", () => {
    expect(parseTime('2026-12-07T10:00:00.000000')).toBe(Date.parse('2026-12-07T10:00:00Z'));
    expect(parseTime('2026-12-07T10:00:00+01:00')).toBe(Date.parse('2026-12-07T09:00:00Z'));
    expect(parseTime(null)).toBeUndefined();
    expect(stepDuration({ start_time: '2026-12-07T10:00:00.000000', finish_time: '2026-12-07T10:00:01.420000' })).toBe('1.42 s');
    expect(stepDuration({ start_time: '2026-12-07T10:00:00', finish_time: null })).toBeUndefined();
    expect(formatSeconds(12.34)).toBe('12.3 s');
    expect(formatSeconds(65.2)).toBe('1 min 5 s');
  });

  it('names power states and sorts actions newest first', () => {
    expect(powerStateLabel(1)).toBe('Running');
    expect(powerStateLabel(4)).toBe('Shut down');
    expect(powerStateLabel(9)).toBe('Unknown (9)');
    const a = { action: 'create', request_id: 'r1', start_time: '2026-12-07T10:00:00.000000' };
    const b = { action: 'stop', request_id: 'r2', start_time: '2026-12-07T11:00:00.000000' };
    expect(sortActions([a, b]).map((x) => x.action)).toEqual(['stop', 'create']);
  });

  it('explains a fault by what it says', () => {
    expect(faultAdvice({ code: 500, message: 'No valid host was found. There are not enough hosts available.' })).toMatch(/no compute host with room/);
    expect(faultAdvice({ code: 500, message: 'Build timed out after 600 s in step spawning' })).toMatch(/did not finish the build in time/);
    expect(faultAdvice({ code: 500, message: 'Failed to delete instance x: boom' })).toMatch(/Delete again retries/);
    expect(faultAdvice({ code: 500, message: 'libvirt: boom' })).toMatch(/failed on the compute host/);
    expect(faultAdvice({ code: 400, message: 'x' })).toMatch(/last operation failed/);
  });
});
