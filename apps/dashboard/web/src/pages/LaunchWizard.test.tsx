import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LaunchWizard } from './LaunchWizard';

afterEach(cleanup);

const answers: Record<string, unknown> = {
  'GET /api/image/v2/images?limit=200': { images: [{ id: 'img-1', name: 'kumo-tiny', status: 'active', min_disk: 0, min_ram: 0, size: 15_573_504 }] },
  'GET /api/compute/flavors/detail': { flavors: [{ id: 'tiny', name: 'tiny', vcpus: 1, ram: 256, disk: 1 }, { id: 'ume', name: 'ume', vcpus: 2, ram: 4096, disk: 20 }] },
  'GET /api/compute/os-keypairs': { keypairs: [{ keypair: { name: 'k1' } }] },
  'GET /api/compute/limits': { limits: { absolute: { maxTotalInstances: 10, totalInstancesUsed: 9, maxTotalCores: 20, totalCoresUsed: 0, maxTotalRAMSize: 51200, totalRAMUsed: 0 } } },
};

function show(post: () => Response) {
  const calls: Array<[string, RequestInit]> = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init = {}) => {
    const key = `${init.method ?? 'GET'} ${String(input)}`;
    calls.push([key, init]);
    if (key === 'POST /api/compute/servers') return post();
    return new Response(JSON.stringify(answers[key]), { status: 200 });
  });
  const onLaunched = vi.fn();
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <LaunchWizard projectId="p" onClose={() => undefined} onLaunched={onLaunched} />
    </QueryClientProvider>,
  );
  return { calls, onLaunched };
}

describe('LaunchWizard', () => {
  it('shows the messages next to the fields and sends nothing while the form is wrong', async () => {
    const { calls } = show(() => new Response(null, { status: 500 }));
    await screen.findByRole('radio', { name: /tiny/ });
    await screen.findByText('9 of 10 instances in use.');
    fireEvent.change(screen.getByLabelText('Count'), { target: { value: '2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Launch' }));
    const name = screen.getByLabelText('Name');
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(name.getAttribute('aria-describedby')!)?.textContent).toBe('A name is required.');
    expect(screen.getByText('Choose an image.')).toBeTruthy();
    expect(screen.getByText('Choose a flavor.')).toBeTruthy();
    expect(screen.getByText('The quota has room for 1 more: instances (9 of 10 used).')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(name));
    // fixing a field clears its message at once
    fireEvent.change(name, { target: { value: 'web' } });
    expect(screen.queryByText('A name is required.')).toBeNull();
    expect(calls.some(([k]) => k.startsWith('POST'))).toBe(false);
  });

  it("sends POST /servers and shows the API's refusal in its own words", async () => {
    const { calls, onLaunched } = show(() => new Response(JSON.stringify({ forbidden: { code: 403, message: 'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances' } }), { status: 403 }));
    await screen.findByRole('radio', { name: /tiny/ });
    await screen.findByRole('option', { name: 'k1' });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'web' } });
    fireEvent.change(screen.getByLabelText('Image'), { target: { value: 'img-1' } });
    fireEvent.click(screen.getByRole('radio', { name: /tiny/ }));
    fireEvent.change(screen.getByLabelText('Key pair'), { target: { value: 'k1' } });
    fireEvent.change(screen.getByLabelText('User data'), { target: { value: 'hi' } });
    fireEvent.click(screen.getByRole('button', { name: 'Launch' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Quota exceeded for instances: Requested 1, but already used 10 of 10 instances/);
    const post = calls.find(([k]) => k === 'POST /api/compute/servers')!;
    expect(JSON.parse(post[1].body as string)).toEqual({ server: { name: 'web', imageRef: 'img-1', flavorRef: 'tiny', key_name: 'k1', user_data: 'aGk=' } });
    expect(onLaunched).not.toHaveBeenCalled();
  });
});
