import { ACTION_RULES, checkActionAllowed, serverStatus, vmStatesForStatus } from '../../src/services/server-states';

describe('server states: status map and the action matrix', () => {
  it('maps vm_state and task_state to the API status as Nova does', () => {
    expect(serverStatus('building', 'scheduling')).toBe('BUILD');
    expect(serverStatus('active', null)).toBe('ACTIVE');
    expect(serverStatus('active', 'rebooting')).toBe('REBOOT');
    expect(serverStatus('active', 'rebooting_hard')).toBe('HARD_REBOOT');
    expect(serverStatus('active', 'powering-off')).toBe('ACTIVE');
    expect(serverStatus('stopped', null)).toBe('SHUTOFF');
    expect(serverStatus('paused', null)).toBe('PAUSED');
    expect(serverStatus('suspended', null)).toBe('SUSPENDED');
    expect(serverStatus('error', null)).toBe('ERROR');
    expect(serverStatus('deleted', null)).toBe('DELETED');
  });

  it('turns a status filter into vm/task states', () => {
    expect(vmStatesForStatus('shutoff')).toEqual({ vmStates: ['stopped'], taskStates: undefined });
    expect(vmStatesForStatus('REBOOT')).toEqual({ vmStates: ['active'], taskStates: ['rebooting', 'reboot_pending', 'reboot_started'] });
    expect(vmStatesForStatus('NOPE').vmStates).toEqual([]);
  });

  // every action × every vm_state (task idle): allowed or Nova's 409 message
  const VM_STATES = ['building', 'active', 'stopped', 'paused', 'suspended', 'error'] as const;
  const ALLOWED: Record<string, string[]> = {
    'os-start': ['stopped'],
    'os-stop': ['active', 'error'],
    'reboot-SOFT': ['active'],
    'reboot-HARD': ['active', 'stopped', 'paused', 'suspended', 'error'],
    pause: ['active'],
    unpause: ['paused'],
    suspend: ['active'],
    resume: ['suspended'],
    createImage: ['active', 'stopped', 'paused', 'suspended'],
  };
  for (const [name, rule] of Object.entries(ACTION_RULES)) {
    it(`${name}: allowed from ${ALLOWED[name].join(', ')} only`, () => {
      const outcome = (vm: string) => {
        try {
          checkActionAllowed(rule, 'u-1', vm, null);
          return 'allowed';
        } catch (err) {
          return (err as Error).message;
        }
      };
      expect(VM_STATES.map(outcome)).toEqual(VM_STATES.map((vm) => (ALLOWED[name].includes(vm) ? 'allowed' : `Cannot '${rule.api}' instance u-1 while it is in vm_state ${vm}`)));
      // an action in progress blocks another (task_state), except a hard reboot over a reboot
      const busy = () => checkActionAllowed(rule, 'u-1', ALLOWED[name][0], 'powering-off');
      expect(busy).toThrow(`Cannot '${rule.api}' instance u-1 while it is in task_state powering-off`);
    });
  }

  it('a hard reboot may interrupt a soft one', () => {
    expect(() => checkActionAllowed(ACTION_RULES['reboot-HARD'], 'u', 'active', 'rebooting')).not.toThrow();
    expect(() => checkActionAllowed(ACTION_RULES['reboot-SOFT'], 'u', 'active', 'rebooting')).toThrow("Cannot 'reboot' instance u while it is in task_state rebooting");
  });
});
