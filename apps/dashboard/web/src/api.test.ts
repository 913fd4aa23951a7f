import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, faultMessage, onUnauthorized, request, setCsrfToken } from './api';

describe('faultMessage', () => {
  it('reads the OpenStack fault bodies', () => {
    expect(faultMessage('{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}')).toBe('The request you have made requires authentication.');
    expect(faultMessage('{"itemNotFound":{"code":404,"message":"Instance x could not be found."}}')).toBe('Instance x could not be found.');
    expect(faultMessage('<html><body><h1>409 Conflict</h1>There was a conflict.</body></html>')).toBe('409 Conflict There was a conflict.');
    expect(faultMessage('')).toBeUndefined();
    expect(faultMessage('{"servers":[]}')).toBeUndefined();
  });
});

describe('request', () => {
  afterEach(() => setCsrfToken(undefined));

  it('sends the CSRF token on state-changing calls only', async () => {
    const seen: Headers[] = [];
    vi.stubGlobal('fetch', vi.fn(async (_url: string, init: RequestInit) => (seen.push(new Headers(init.headers)), new Response('{}', { status: 200 }))));
    setCsrfToken('tok');
    await request('/api/compute/servers');
    await request('/api/compute/servers', { method: 'POST', body: '{}' });
    expect(seen[0].get('x-csrf-token')).toBeNull();
    expect(seen[1].get('x-csrf-token')).toBe('tok');
    expect(seen[1].get('content-type')).toBe('application/json');
  });

  it('raises the API message with the request id, and tells of a 401', async () => {
    const body = '{"conflictingRequest":{"code":409,"message":"Cannot \'start\' instance x while it is in vm_state active"}}';
    vi.stubGlobal('fetch', vi.fn(async () => new Response(body, { status: 409, headers: { 'x-openstack-request-id': 'req-1' } })));
    const err = (await request('/api/compute/servers/x/action', { method: 'POST' }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect([err.status, err.message, err.requestId]).toEqual([409, "Cannot 'start' instance x while it is in vm_state active", 'req-1']);
    const told: number[] = [];
    const off = onUnauthorized((s) => told.push(s));
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{"error":{"message":"log in again"}}', { status: 401 })));
    await expect(request('/api/compute/servers')).rejects.toThrow('log in again');
    off();
    expect(told).toEqual([401]);
  });
});
