import { Conflict } from '@kumo/common';
import type { Repository } from 'typeorm';
import { isStateTransitionConflict, StateTransitionConflict, StateTransitions } from '../src/state-transition';

type Light = 'red' | 'green' | 'amber';
interface Lamp {
  id: string;
  status: Light;
}

/** A repository that knows its columns and records whether SQL was attempted. */
function fakeRepo(): { repo: Repository<Lamp>; queried: () => boolean } {
  let queried = false;
  const repo = {
    metadata: { name: 'Lamp', findColumnWithPropertyName: (p: string) => (p === 'id' || p === 'status' ? { databaseName: p } : undefined) },
    createQueryBuilder: () => {
      queried = true;
      throw new Error('no database here');
    },
  } as unknown as Repository<Lamp>;
  return { repo, queried: () => queried };
}

describe('StateTransitions (no database)', () => {
  const allowed = { red: ['green'], green: ['amber'], amber: ['red'] } as const;

  it('refuses a transition the state machine does not allow, before any SQL', async () => {
    const { repo, queried } = fakeRepo();
    const lights = new StateTransitions<Lamp, Light>(repo, { allowed });
    await expect(lights.transition('l1', { from: 'red', to: 'amber' })).rejects.toThrow('Lamp: red → amber is not an allowed transition');
    await expect(lights.transition('l1', { from: ['red', 'green'], to: 'amber' })).rejects.toThrow('red → amber');
    await expect(lights.transition('l1', { from: [], to: 'amber' })).rejects.toThrow('at least one state');
    expect(queried()).toBe(false);
  });

  it('lets a state "transition" to itself (an idempotent request lists its target among the from states)', async () => {
    const { repo, queried } = fakeRepo();
    const lights = new StateTransitions<Lamp, Light>(repo, { allowed });
    await expect(lights.transition('l1', { from: ['red', 'green'], to: 'green' })).rejects.toThrow('no database here');
    expect(queried()).toBe(true);
  });

  it('refuses a state column the entity does not have', () => {
    const { repo } = fakeRepo();
    expect(() => new StateTransitions<Lamp, Light>(repo, { column: 'colour' as 'status' })).toThrow('Lamp has no column colour');
  });

  it('reports the state it found in a typed 409', () => {
    const err = new StateTransitionConflict<Light>('Lamp', 'l1', ['red'], 'green', 'amber');
    expect(err).toBeInstanceOf(Conflict);
    expect(err.status).toBe(409);
    expect(isStateTransitionConflict(err)).toBe(true);
    expect(err.found).toBe('amber');
    expect(err.message).toBe('Lamp l1 is amber, not red: it cannot become green');
    expect(new StateTransitionConflict<Light>('Lamp', 'l2', ['red', 'amber'], 'green', null).message).toBe('Lamp l2 is missing, not red or amber: it cannot become green');
  });
});
