import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionView } from '../session';
import { InstanceDetailPage } from './InstanceDetailPage';

afterEach(cleanup);

const session = { project: { id: 'p' } } as SessionView;
const server = {
  id: 'id-1',
  name: 'broken',
  status: 'ERROR',
  tenant_id: 'p',
  'OS-EXT-STS:vm_state': 'error',
  'OS-EXT-STS:task_state': null,
  flavor: { id: 'tiny' },
  image: { id: 'img-1' },
  fault: { code: 500, message: 'No valid host was found. There are not enough hosts available.', details: 'filter RamFilter removed 2', created: '2026-12-07T10:00:02Z' },
};
const answers: Record<string, unknown> = {
  'GET /api/compute/servers/id-1': { server },
  'GET /api/image/v2/images?limit=200': { images: [{ id: 'img-1', name: 'kumo-tiny' }] },
  'GET /api/compute/flavors/detail': { flavors: [{ id: 'tiny', name: 'tiny', vcpus: 1, ram: 256, disk: 1 }] },
  'GET /api/compute/servers/id-1/os-instance-actions': { instanceActions: [{ action: 'create', request_id: 'req-1', start_time: '2026-12-07T10:00:00.000000' }] },
  'GET /api/compute/servers/id-1/os-instance-actions/req-1': {
    instanceAction: {
      action: 'create',
      request_id: 'req-1',
      start_time: '2026-12-07T10:00:00.000000',
      events: [{ event: 'conductor_schedule_and_build_instances', start_time: '2026-12-07T10:00:00.000000', finish_time: '2026-12-07T10:00:01.500000', result: 'Error' }],
    },
  },
  'POST /api/compute/servers/id-1/action': { output: 'login: ' },
};

function show() {
  const calls: Array<[string, RequestInit]> = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init = {}) => {
    const key = `${init.method ?? 'GET'} ${String(input)}`;
    calls.push([key, init]);
    const body = answers[key];
    return body ? new Response(JSON.stringify(body), { status: 200 }) : new Response('{"itemNotFound": {"message": "nope"}}', { status: 404 });
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <InstanceDetailPage session={session} id="id-1" />
    </QueryClientProvider>,
  );
  return calls;
}

describe('InstanceDetailPage', () => {
  it('explains the fault, names image and flavor, times the steps and shows the console log', async () => {
    const calls = show();
    await screen.findByRole('heading', { name: 'broken', level: 1 });
    const fault = screen.getByRole('region', { name: 'Why it is in ERROR' });
    expect(within(fault).getByText(/No valid host was found/)).toBeTruthy();
    expect(within(fault).getByText(/no compute host with room/)).toBeTruthy();
    expect(within(fault).getByText('filter RamFilter removed 2')).toBeTruthy();
    await screen.findByText('tiny · 1 vCPU · 256 MiB RAM · 1 GiB disk');
    await screen.findByText('kumo-tiny');
    const step = await screen.findByText(/1\.50 s/);
    expect(step.closest('li')?.textContent).toMatch(/conductor_schedule_and_build_instances: .+ → .+ · 1\.50 s · Error/);
    expect((await screen.findByLabelText('Console log, last 50 lines')).textContent).toBe('login: ');
    const consoleCall = calls.find(([k]) => k === 'POST /api/compute/servers/id-1/action');
    expect(JSON.parse(consoleCall![1].body as string)).toEqual({ 'os-getConsoleOutput': { length: 50 } });
    // an ERROR server offers stop, hard reboot and delete only
    expect(within(screen.getByRole('group', { name: 'Actions for broken' })).getAllByRole('button').map((b) => b.textContent)).toEqual(['Stop', 'Hard reboot', 'Delete']);
    fireEvent.change(screen.getByLabelText('Lines'), { target: { value: '0' } });
    await waitFor(() => expect(calls.filter(([k]) => k === 'POST /api/compute/servers/id-1/action').map(([, i]) => JSON.parse(i.body as string))).toContainEqual({ 'os-getConsoleOutput': {} }));
  });
});
