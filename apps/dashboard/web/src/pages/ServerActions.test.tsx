import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setCsrfToken } from '../api';
import type { Server } from '../servers';
import { ServerActions } from './ServerActions';

afterEach(cleanup);

const web: Server = { id: 'id-1', name: 'web', status: 'ACTIVE', tenant_id: 'p', 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:task_state': null };
function show(server: Server) {
  const client = new QueryClient({ defaultOptions: { mutations: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <ServerActions server={server} projectId="p" />
    </QueryClientProvider>,
  );
}

describe('ServerActions', () => {
  it('sends a safe action at once with the CSRF token', async () => {
    setCsrfToken('csrf-1');
    const fetch = vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response(null, { status: 202 }));
    show(web);
    fireEvent.click(screen.getByRole('button', { name: 'Reboot web' }));
    await waitFor(() => expect(fetch).toHaveBeenCalled());
    const [path, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(path).toBe('/api/compute/servers/id-1/action');
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body as string)).toEqual({ reboot: { type: 'SOFT' } });
    expect(new Headers(init.headers).get('x-csrf-token')).toBe('csrf-1');
  });

  it('asks before deleting; Cancel sends nothing and gives the focus back', async () => {
    const fetch = vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response(null, { status: 204 }));
    show(web);
    const del = screen.getByRole('button', { name: 'Delete web' });
    del.focus();
    fireEvent.click(del);
    const dialog = screen.getByRole('alertdialog', { name: 'Delete web?' });
    expect(document.activeElement?.textContent).toBe('Cancel');
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(del);
    fireEvent.click(del);
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    expect(fetch.mock.calls[0][0]).toBe('/api/compute/servers/id-1');
    expect((fetch.mock.calls[0][1] as RequestInit).method).toBe('DELETE');
  });

  it("shows only what the state allows, and the API's 409 in its own words", async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(
      new Response(JSON.stringify({ conflictingRequest: { code: 409, message: "Cannot 'start' instance id-1 while it is in vm_state active" } }), { status: 409 }),
    );
    show({ ...web, status: 'SHUTOFF', 'OS-EXT-STS:vm_state': 'stopped' });
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['Start', 'Hard reboot', 'Delete']);
    fireEvent.click(screen.getByRole('button', { name: 'Start web' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Cannot 'start' instance id-1 while it is in vm_state active/);
    cleanup();
    show({ ...web, 'OS-EXT-STS:task_state': 'deleting' });
    expect(screen.queryAllByRole('button')).toHaveLength(0);
    expect(screen.getByText('No action while deleting')).toBeTruthy();
  });
});
