import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sseFrame } from '../../src/api/events/events.controller';
import { faultMessage } from '../../src/clients/identity.client';
import { badUpstreamPath, upstreamHeaders, upstreamUrl } from '../../src/proxy/api-proxy';
import { ownerProject, visibleTo } from '../../src/services/event-hub';
import { resolveWebPath } from '../../src/static/web-path';

describe('event visibility', () => {
  const server = (tenant: string) => ({ type: 'compute.instance.create.end', payload: { server: { id: 's', tenant_id: tenant } } });

  it('a member sees its project’s instance and image events, an admin all', () => {
    const member = { projectId: 'p1', admin: false };
    expect(ownerProject(server('p1'))).toBe('p1');
    expect(visibleTo(server('p1'), member)).toBe(true);
    expect(visibleTo(server('p2'), member)).toBe(false);
    expect(visibleTo(server('p2'), { projectId: 'p1', admin: true })).toBe(true);
    expect(visibleTo({ type: 'image.update', payload: { owner: 'p1', visibility: 'private' } }, member)).toBe(true);
    expect(visibleTo({ type: 'image.update', payload: { image: { owner: 'p2', visibility: 'private' } } }, member)).toBe(false);
    expect(visibleTo({ type: 'image.update', payload: { image: { owner: 'p2', visibility: 'public' } } }, member)).toBe(true);
  });

  it('identity events go to admins only, an event without an owner to nobody else', () => {
    const e = { type: 'identity.token.revoked', payload: { userId: 'u' } };
    expect(visibleTo(e, { projectId: 'p1', admin: false })).toBe(false);
    expect(visibleTo(e, { projectId: 'p1', admin: true })).toBe(true);
    expect(visibleTo({ type: 'compute.instance.update', payload: {} }, { projectId: 'p1', admin: false })).toBe(false);
  });

  it('frames an SSE event', () => {
    expect(sseFrame({ a: 1 }, 'bus')).toBe('event: bus\ndata: {"a":1}\n\n');
    expect(sseFrame({ a: 'x\ny' }, undefined, 7)).toBe('id: 7\ndata: {"a":"x\\ny"}\n\n');
  });
});

describe('the proxy', () => {
  it('puts the path and query under the catalog endpoint', () => {
    expect(upstreamUrl('http://127.0.0.1:8774/v2.1', '/servers/detail', '?limit=5')).toBe('http://127.0.0.1:8774/v2.1/servers/detail?limit=5');
    expect(upstreamUrl('http://127.0.0.1:8080/v1/AUTH_p', undefined, '?format=json')).toBe('http://127.0.0.1:8080/v1/AUTH_p?format=json');
  });

  it('sends the session token and request id, never the browser’s credentials', () => {
    const h = upstreamHeaders(
      { cookie: 'kumo_session=x', 'x-csrf-token': 'c', 'x-auth-token': 'forged', authorization: 'Basic x', 'content-type': 'application/json', 'openstack-api-version': 'compute 2.79' },
      'tok',
      'req-1',
    );
    expect(h).toEqual({ 'content-type': 'application/json', 'openstack-api-version': 'compute 2.79', 'x-auth-token': 'tok', 'x-openstack-request-id': 'req-1' });
  });

  it('refuses a malformed escape and a dot segment, keeps dots inside names', () => {
    expect(badUpstreamPath('/servers', '?name=%FF')).toMatch(/%XX escape/);
    expect(badUpstreamPath('/../v1/AUTH_other', '')).toMatch(/dot segments/);
    expect(badUpstreamPath('/c/%2e%2e/x', '')).toMatch(/dot segments/);
    expect(badUpstreamPath('/c/a..b/...', '?prefix=..x')).toBeUndefined();
    expect(badUpstreamPath('/servers/detail', '?name=%E6%A2%85')).toBeUndefined();
  });

  it('reads OpenStack fault messages', () => {
    expect(faultMessage('{"error":{"code":401,"message":"The request you have made requires authentication."}}')).toBe('The request you have made requires authentication.');
    expect(faultMessage('{"badRequest":{"message":"bad"}}')).toBe('bad');
    expect(faultMessage('<html>')).toBeUndefined();
  });
});

describe('serving the built app', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'kumo-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html>');
    writeFileSync(join(root, 'assets', 'index-abc.js'), '');
    writeFileSync(join(root, 'favicon.svg'), '');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('serves files, the page for app paths, nothing outside the root', () => {
    expect(resolveWebPath(root, '/assets/index-abc.js')).toEqual({ file: join('assets', 'index-abc.js'), asset: true });
    expect(resolveWebPath(root, '/favicon.svg?x=1')).toEqual({ file: 'favicon.svg', asset: false });
    expect(resolveWebPath(root, '/instances')).toEqual({ file: 'index.html', asset: false });
    expect(resolveWebPath(root, '/')).toEqual({ file: 'index.html', asset: false });
    expect(resolveWebPath(root, '/assets/missing.js')).toBeUndefined();
    expect(resolveWebPath(root, '/%2e%2e/%2e%2e/etc/passwd.txt')).toBeUndefined();
    expect(resolveWebPath(root, '/assets/%00.js')).toBeUndefined();
    expect(resolveWebPath(root, '/%E0%A4%A.js')).toBeUndefined();
  });
});
