import { IdentityTestApp, startIdentity } from './helpers/app';
import { count, create, HEX32, idOf, isValid, keystoneError, URL_BASE } from './helpers/resources';

describe('/v3/users', () => {
  let t: IdentityTestApp;
  let admin: string;
  let doraId: string;
  let dora: string;
  beforeAll(async () => {
    t = await startIdentity();
    admin = await t.adminToken();
    ({ doraId, dora } = await t.demoMember());
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a user with Keystone’s shape, never returning the password, and keeps extra attributes', async () => {
    const demo = await idOf(t, 'projects', 'demo');
    // what `openstack user create --project demo --password ... --email ... erin` sends
    const res = await t.inject('POST', '/v3/users', {
      token: admin,
      body: { user: { name: 'erin', default_project_id: demo, password: 'erin-pass-1', email: 'e@example.org', enabled: true, options: {}, team: 'blue' } },
    });
    expect(res.status).toBe(201);
    expect(res.body).not.toContain('erin-pass-1');
    expect(res.body).not.toMatch(/\$2[aby]\$/); // no bcrypt hash either
    const u = res.json.user;
    expect(u).toEqual({
      id: expect.stringMatching(HEX32),
      name: 'erin',
      domain_id: 'default',
      enabled: true,
      password_expires_at: null,
      options: {},
      default_project_id: demo,
      email: 'e@example.org',
      team: 'blue',
      links: { self: `${URL_BASE}/users/${u.id}` },
    });
    await expect(t.inject('GET', `/v3/users/${u.id}`, { token: admin })).resolves.toMatchObject({ status: 200, json: { user: u } });
    const patched = await t.inject('PATCH', `/v3/users/${u.id}`, { token: admin, body: { user: { description: 'ops', floor: 3 } } });
    expect(patched.json.user).toEqual({ ...u, description: 'ops', floor: 3 });

    const byPath = await t.inject('GET', '/v3/users/erin', { token: admin });
    expect(byPath.status).toBe(404);
    expect(byPath.json).toEqual(keystoneError(404, 'Not Found', 'Could not find user: erin.'));
    const byName = await t.inject('GET', '/v3/users?name=erin', { token: admin });
    expect(byName.json).toEqual({ users: [{ ...u, description: 'ops', floor: 3 }], links: { self: `${URL_BASE}/users`, previous: null, next: null } });
  });

  it('filters the list by domain and enabled state', async () => {
    const off = await create(t, 'users', 'user', { name: 'off-user', enabled: false });
    const names = async (query: string) => ((await t.inject('GET', `/v3/users?${query}`, { token: admin })).json.users as Array<{ name: string }>).map((u) => u.name);
    await expect(names('enabled=false')).resolves.toEqual(['off-user']);
    await expect(names('domain_id=default')).resolves.toEqual(expect.arrayContaining(['admin', 'dora', 'off-user']));
    await expect(names('domain_id=elsewhere')).resolves.toEqual([]);
    expect(off).not.toHaveProperty('default_project_id');
  });

  it('refuses a duplicate name with 409 and bad bodies with 400, writing nothing', async () => {
    const before = await count(t, 'users');
    const dup = await t.inject('POST', '/v3/users', { token: admin, body: { user: { name: 'dora' } } });
    expect(dup.status).toBe(409);
    expect(dup.json.error).toMatchObject({ code: 409, title: 'Conflict' });
    const missing = await t.inject('POST', '/v3/users', { token: admin, body: { users: { name: 'x' } } });
    expect(missing.status).toBe(400);
    expect(missing.json.error.message).toBe("Invalid input for field 'user': Required.");
    for (const body of [
      { user: {} },
      { user: { name: 'n'.repeat(256) } },
      { user: { name: ' \t' } },
      { user: { name: 'ok', enabled: 'true' } },
      { user: { name: 'ok', password: 12345678 } },
      { user: { name: 'ok', password: 'p'.repeat(4097) } },
      { user: { name: 'ok', options: [] } },
      { user: { name: 'ok' }, extra: true },
    ]) {
      const res = await t.inject('POST', '/v3/users', { token: admin, body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    const unknownProject = await t.inject('POST', '/v3/users', { token: admin, body: { user: { name: 'ok', default_project_id: 'nope' } } });
    expect(unknownProject.status).toBe(404);
    const unknownDomain = await t.inject('POST', '/v3/users', { token: admin, body: { user: { name: 'ok', domain_id: 'nope' } } });
    expect(unknownDomain.json.error.message).toBe('Could not find domain: nope.');
    expect(await count(t, 'users')).toBe(before);

    expect((await t.inject('PATCH', `/v3/users/${doraId}`, { token: admin, body: { user: {} } })).status).toBe(400);
    expect((await t.inject('PATCH', `/v3/users/${doraId}`, { token: admin, body: { user: { domain_id: 'other' } } })).status).toBe(400);
    expect((await t.inject('PATCH', `/v3/users/${doraId}`, { token: admin, body: { user: { name: 'admin' } } })).status).toBe(409);
    expect((await t.inject('PATCH', '/v3/users/nobody', { token: admin, body: { user: { name: 'x' } } })).status).toBe(404);
    await expect(t.inject('GET', `/v3/users/${doraId}`, { token: admin })).resolves.toMatchObject({ json: { user: { name: 'dora', domain_id: 'default' } } });
  });

  it('revokes the user’s tokens when an admin sets a new password', async () => {
    const id = await t.createUser('fay', 'fay-pass-1', { project: 'demo', role: 'member' });
    const scoped = await t.tokenFor('fay', 'fay-pass-1', 'demo');
    const unscoped = await t.tokenFor('fay', 'fay-pass-1');
    await expect(isValid(t, scoped)).resolves.toBe(true);
    // what `openstack user set --password` sends
    const res = await t.inject('PATCH', `/v3/users/${id}`, { token: admin, body: { user: { password: 'fay-pass-2', enabled: true } } });
    expect(res.status).toBe(200);
    expect(res.body).not.toContain('fay-pass-2');
    await expect(isValid(t, scoped)).resolves.toBe(false);
    await expect(isValid(t, unscoped)).resolves.toBe(false);
    await expect(t.tokenFor('fay', 'fay-pass-1', 'demo')).rejects.toThrow(/401/);
    await expect(t.tokenFor('fay', 'fay-pass-2', 'demo')).resolves.toEqual(expect.any(String));
  });

  it('revokes the user’s tokens when the user is disabled, and refuses new ones', async () => {
    const id = await t.createUser('gil', 'gil-pass', { project: 'demo', role: 'reader' });
    const token = await t.tokenFor('gil', 'gil-pass', 'demo');
    await t.inject('PATCH', `/v3/users/${id}`, { token: admin, body: { user: { enabled: false } } });
    await expect(isValid(t, token)).resolves.toBe(false);
    await expect(t.tokenFor('gil', 'gil-pass', 'demo')).rejects.toThrow(/401/);
    await t.inject('PATCH', `/v3/users/${id}`, { token: admin, body: { user: { enabled: true } } });
    await expect(t.tokenFor('gil', 'gil-pass', 'demo')).resolves.toEqual(expect.any(String));
  });

  it('lets users change their own password with the original one, revoking their tokens', async () => {
    const id = await t.createUser('fred', 'fred-old', { project: 'demo', role: 'reader' });
    const fred = await t.tokenFor('fred', 'fred-old', 'demo');
    const change = (token: string, user: string, body: unknown) => t.inject('POST', `/v3/users/${user}/password`, { token, body });

    const wrong = await change(fred, id, { user: { password: 'fred-new', original_password: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe(401);
    await expect(isValid(t, fred)).resolves.toBe(true);
    expect((await change(fred, id, { user: { password: 'fred-new' } })).status).toBe(400);
    expect((await change(fred, id, { user: { password: 'fred-new', original_password: 'fred-old', extra: 1 } })).status).toBe(400);
    expect((await change(dora, id, { user: { password: 'stolen', original_password: 'fred-old' } })).status).toBe(403);

    expect((await change(fred, id, { user: { password: 'fred-new', original_password: 'fred-old' } })).status).toBe(204);
    await expect(isValid(t, fred)).resolves.toBe(false);
    await expect(t.tokenFor('fred', 'fred-old', 'demo')).rejects.toThrow(/401/);
    await expect(t.tokenFor('fred', 'fred-new', 'demo')).resolves.toEqual(expect.any(String));
  });

  it('lists a user’s groups', async () => {
    const g1 = await create(t, 'groups', 'group', { name: 'g-one' });
    await create(t, 'groups', 'group', { name: 'g-two' });
    await t.inject('PUT', `/v3/groups/${g1.id}/users/${doraId}`, { token: admin });
    const mine = await t.inject('GET', `/v3/users/${doraId}/groups`, { token: dora });
    expect(mine.status).toBe(200);
    expect(mine.json).toEqual({ groups: [g1], links: { self: `${URL_BASE}/users/${doraId}/groups`, previous: null, next: null } });
    expect((await t.inject('GET', '/v3/users/nobody/groups', { token: admin })).status).toBe(404);
  });

  it('deletes a user, revoking its tokens', async () => {
    const id = await t.createUser('hal', 'hal-pass', { project: 'demo', role: 'member' });
    const token = await t.tokenFor('hal', 'hal-pass', 'demo');
    expect((await t.inject('DELETE', `/v3/users/${id}`, { token: admin })).status).toBe(204);
    await expect(isValid(t, token)).resolves.toBe(false);
    const gone = await t.inject('GET', `/v3/users/${id}`, { token: admin });
    expect(gone.json).toEqual(keystoneError(404, 'Not Found', `Could not find user: ${id}.`));
    expect((await t.inject('DELETE', `/v3/users/${id}`, { token: admin })).status).toBe(404);
  });

  it('keeps members out of other users and of the user administration, with Keystone’s 403 body', async () => {
    const users = await t.inject('GET', '/v3/users', { token: dora });
    expect(users.status).toBe(403);
    expect(users.json).toEqual(keystoneError(403, 'Forbidden', 'You are not authorized to perform the requested action: identity:list_users.'));
    await expect(t.inject('GET', `/v3/users/${doraId}`, { token: dora })).resolves.toMatchObject({ status: 200, json: { user: { name: 'dora' } } });
    const adminId = await idOf(t, 'users', 'admin');
    for (const res of [
      await t.inject('GET', `/v3/users/${adminId}`, { token: dora }),
      await t.inject('POST', '/v3/users', { token: dora, body: { user: { name: 'sneaky' } } }),
      await t.inject('PATCH', `/v3/users/${doraId}`, { token: dora, body: { user: { enabled: true } } }),
      await t.inject('PATCH', `/v3/users/${adminId}`, { token: dora, body: { user: { password: 'owned' } } }),
      await t.inject('DELETE', `/v3/users/${adminId}`, { token: dora }),
      await t.inject('GET', `/v3/users/${adminId}/groups`, { token: dora }),
    ]) {
      expect(res.status).toBe(403);
    }
    await expect(t.tokenFor('admin', 'owned', 'admin')).rejects.toThrow(/401/);
  });
});
