import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Server } from '../servers';
import { InstancesTable } from './InstancesTable';

afterEach(cleanup);

const servers: Server[] = [
  { id: 'aaaa-1', name: 'web', status: 'ACTIVE', tenant_id: 'p', created: '2026-12-07T10:00:00Z', addresses: { private: [{ addr: '10.0.0.5' }] } },
  { id: 'bbbb-2', name: 'db', status: 'BUILD', 'OS-EXT-STS:task_state': 'spawning', tenant_id: 'p', created: '2026-12-07T11:00:00Z' },
  { id: 'cccc-3', name: 'broken', status: 'ERROR', tenant_id: 'p', created: '2026-12-07T09:00:00Z', fault: { message: 'No valid host was found.' } },
];

describe('InstancesTable', () => {
  it('lists servers newest first with a badge per status', () => {
    render(<InstancesTable servers={servers} />);
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['dbbbbb-2', 'webaaaa-1', 'brokencccc-3']);
    expect(within(rows[0]).getByText('Build (spawning)').getAttribute('data-tone')).toBe('busy');
    expect(within(rows[1]).getByText('Active').getAttribute('data-tone')).toBe('ok');
    expect(within(rows[2]).getByText('No valid host was found.')).toBeTruthy();
    expect(within(rows[1]).getByText('private: 10.0.0.5')).toBeTruthy();
    expect(screen.getByRole('table', { name: /instances of the project/i })).toBeTruthy();
  });

  it('filters by name, id prefix or status, and says what to do when empty', () => {
    const { rerender } = render(<InstancesTable servers={servers} filter="error" />);
    expect(screen.getAllByRole('row')).toHaveLength(2);
    rerender(<InstancesTable servers={servers} filter="nothing-like-this" />);
    expect(screen.getByText(/No instance matches/)).toBeTruthy();
    rerender(<InstancesTable servers={[]} />);
    expect(screen.getByText(/No instances in this project yet/)).toBeTruthy();
  });
});
