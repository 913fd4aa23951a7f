import { IdentityTestApp, startIdentity } from './helpers/app';
import { count, create, HEX32, isValid, issueToken, keystoneError, URL_BASE } from './helpers/resources';

describe('/v3/domains', () => {
  let t: IdentityTestApp;
  let admin: string;
  let dora: string;
  beforeAll(async () => {
    t = await startIdentity();
    admin = await t.adminToken();
    ({ dora } = await t.demoMember());
  });
  afterAll(async () => {
    await t.close();
  });

  it('has the Default domain tempest looks up by name', async () => {
    const res = await t.inject('GET', '/v3/domains?name=Default', { token: admin });
    expect(res.json).toEqual({
      domains: [{ id: 'default', name: 'Default', description: expect.any(String), enabled: true, tags: [], options: {}, links: { self: `${URL_BASE}/domains/default` } }],
      links: { self: `${URL_BASE}/domains`, previous: null, next: null },
    });
  });

  it('creates, finds, updates and deletes a domain (once disabled)', async () => {
    const res = await t.inject('POST', '/v3/domains', { token: admin, body: { domain: { name: 'lab', description: 'the lab', tags: ['x'] } } });
    expect(res.status).toBe(201);
    const d = res.json.domain;
    expect(d).toEqual({ id: expect.stringMatching(HEX32), name: 'lab', description: 'the lab', enabled: true, tags: ['x'], options: {}, links: { self: `${URL_BASE}/domains/${d.id}` } });
    await expect(t.inject('GET', `/v3/domains/${d.id}`, { token: admin })).resolves.toMatchObject({ status: 200, json: { domain: d } });
    expect((await t.inject('GET', '/v3/domains/lab', { token: admin })).json).toEqual(keystoneError(404, 'Not Found', 'Could not find domain: lab.'));

    const enabled = await t.inject('DELETE', `/v3/domains/${d.id}`, { token: admin });
    expect(enabled.json).toEqual(keystoneError(403, 'Forbidden', 'Cannot delete a domain that is enabled, please disable it first.'));
    const disabled = await t.inject('PATCH', `/v3/domains/${d.id}`, { token: admin, body: { domain: { enabled: false, description: 'closing' } } });
    expect(disabled.json.domain).toEqual({ ...d, enabled: false, description: 'closing' });
    await expect(t.inject('GET', '/v3/domains?enabled=false', { token: admin })).resolves.toMatchObject({ json: { domains: [{ id: d.id }] } });
    expect((await t.inject('DELETE', `/v3/domains/${d.id}`, { token: admin })).status).toBe(204);
    expect((await t.inject('GET', `/v3/domains/${d.id}`, { token: admin })).json.error.message).toBe(`Could not find domain: ${d.id}.`);
    expect((await t.inject('DELETE', `/v3/domains/${d.id}`, { token: admin })).status).toBe(404);
  });

  it('creates a domain with an explicit id', async () => {
    const d = await create(t, 'domains', 'domain', { name: 'explicit', explicit_domain_id: 'e0000000000000000000000000000001' });
    expect(d.id).toBe('e0000000000000000000000000000001');
    const again = await t.inject('POST', '/v3/domains', { token: admin, body: { domain: { name: 'explicit2', explicit_domain_id: d.id } } });
    expect(again.status).toBe(400);
  });

  it('refuses a duplicate name with 409 and bad bodies with 400, writing nothing', async () => {
    const before = await count(t, 'domains');
    const dup = await t.inject('POST', '/v3/domains', { token: admin, body: { domain: { name: 'Default' } } });
    expect(dup.json).toEqual(keystoneError(409, 'Conflict', 'Conflict occurred attempting to store domain - Duplicate entry found with name Default.'));
    for (const body of [{}, { domain: {} }, { domain: { name: 'd'.repeat(65) } }, { domain: { name: 'ok', enabled: 1 } }, { domain: { name: 'ok', tags: 'x' } }, { domain: { name: 'ok' }, more: 1 }]) {
      const res = await t.inject('POST', '/v3/domains', { token: admin, body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect((await t.inject('PATCH', '/v3/domains/default', { token: admin, body: { domain: {} } })).status).toBe(400);
    expect(await count(t, 'domains')).toBe(before);
  });

  it('revokes the tokens in a domain when it is disabled, and deletes what it holds with it', async () => {
    const lab = await create(t, 'domains', 'domain', { name: 'lab3' });
    const project = await create(t, 'projects', 'project', { name: 'lab-project', domain_id: lab.id });
    const user = await create(t, 'users', 'user', { name: 'lab-user', domain_id: lab.id, password: 'lab-pass' });
    const group = await create(t, 'groups', 'group', { name: 'lab-group', domain_id: lab.id });
    const member = (await t.inject('GET', '/v3/roles?name=member', { token: admin })).json.roles[0].id;
    await t.inject('PUT', `/v3/projects/${project.id}/users/${user.id}/roles/${member}`, { token: admin });
    const token = await issueToken(t, user.id, { type: 'project', id: project.id });
    await expect(isValid(t, token)).resolves.toBe(true);

    await t.inject('PATCH', `/v3/domains/${lab.id}`, { token: admin, body: { domain: { enabled: false } } });
    await expect(isValid(t, token)).resolves.toBe(false);
    expect(t.events.map((e) => e.payload)).toContainEqual(expect.objectContaining({ domainId: lab.id }));
    expect((await t.inject('DELETE', `/v3/domains/${lab.id}`, { token: admin })).status).toBe(204);
    for (const path of [`/v3/projects/${project.id}`, `/v3/users/${user.id}`, `/v3/groups/${group.id}`]) {
      expect({ path, status: (await t.inject('GET', path, { token: admin })).status }).toEqual({ path, status: 404 });
    }
    await expect(t.inject('GET', `/v3/role_assignments?user.id=${user.id}`, { token: admin })).resolves.toMatchObject({ json: { role_assignments: [] } });
  });

  it('lets a member read its own domain and nothing else', async () => {
    await expect(t.inject('GET', '/v3/domains/default', { token: dora })).resolves.toMatchObject({ status: 200, json: { domain: { name: 'Default' } } });
    const other = await create(t, 'domains', 'domain', { name: 'not-doras' });
    for (const res of [
      await t.inject('GET', `/v3/domains/${other.id}`, { token: dora }),
      await t.inject('GET', '/v3/domains', { token: dora }),
      await t.inject('POST', '/v3/domains', { token: dora, body: { domain: { name: 'mine' } } }),
      await t.inject('PATCH', '/v3/domains/default', { token: dora, body: { domain: { enabled: false } } }),
      await t.inject('DELETE', '/v3/domains/default', { token: dora }),
    ]) {
      expect(res.status).toBe(403);
    }
    await expect(isValid(t, dora)).resolves.toBe(true);
  });
});
