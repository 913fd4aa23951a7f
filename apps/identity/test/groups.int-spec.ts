import { IdentityTestApp, startIdentity } from './helpers/app';
import { count, create, HEX32, idOf, isValid, keystoneError, URL_BASE } from './helpers/resources';

describe('/v3/groups', () => {
  let t: IdentityTestApp;
  let admin: string;
  let demoId: string;
  let readerId: string;
  let dora: string;
  beforeAll(async () => {
    t = await startIdentity();
    admin = await t.adminToken();
    ({ demoId, dora } = await t.demoMember());
    readerId = await idOf(t, 'roles', 'reader');
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates, finds, updates and deletes a group', async () => {
    const res = await t.inject('POST', '/v3/groups', { token: admin, body: { group: { name: 'ops', description: 'operators' } } });
    expect(res.status).toBe(201);
    const g = res.json.group;
    expect(g).toEqual({ id: expect.stringMatching(HEX32), name: 'ops', domain_id: 'default', description: 'operators', links: { self: `${URL_BASE}/groups/${g.id}` } });
    await expect(t.inject('GET', `/v3/groups/${g.id}`, { token: admin })).resolves.toMatchObject({ status: 200, json: { group: g } });
    expect((await t.inject('GET', '/v3/groups/ops', { token: admin })).json).toEqual(keystoneError(404, 'Not Found', 'Could not find group: ops.'));
    await expect(t.inject('GET', '/v3/groups?name=ops', { token: admin })).resolves.toMatchObject({ json: { groups: [g], links: { self: `${URL_BASE}/groups` } } });
    const patched = await t.inject('PATCH', `/v3/groups/${g.id}`, { token: admin, body: { group: { name: 'ops2', description: null } } });
    expect(patched.json.group).toEqual({ ...g, name: 'ops2', description: '' });
    expect((await t.inject('DELETE', `/v3/groups/${g.id}`, { token: admin })).status).toBe(204);
    expect((await t.inject('GET', `/v3/groups/${g.id}`, { token: admin })).status).toBe(404);
    expect((await t.inject('DELETE', `/v3/groups/${g.id}`, { token: admin })).status).toBe(404);
  });

  it('refuses a duplicate name with 409 and bad bodies with 400, writing nothing', async () => {
    await create(t, 'groups', 'group', { name: 'dup' });
    const before = await count(t, 'groups');
    expect((await t.inject('POST', '/v3/groups', { token: admin, body: { group: { name: 'dup' } } })).status).toBe(409);
    for (const body of [{}, { group: {} }, { group: { name: 'g'.repeat(65) } }, { group: { name: ['x'] } }, { group: { name: 'ok' }, x: 1 }]) {
      const res = await t.inject('POST', '/v3/groups', { token: admin, body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect((await t.inject('POST', '/v3/groups', { token: admin, body: { group: { name: 'ok', domain_id: 'nope' } } })).status).toBe(404);
    expect(await count(t, 'groups')).toBe(before);
  });

  it('adds, checks, lists and removes members (204/404, HEAD too)', async () => {
    const g = await create(t, 'groups', 'group', { name: 'members' });
    const uid = await t.createUser('gina', 'gina-pass');
    const path = `/v3/groups/${g.id}/users/${uid}`;
    expect((await t.inject('HEAD', path, { token: admin })).status).toBe(404);
    const notMember = await t.inject('GET', path, { token: admin });
    expect(notMember.json.error.message).toBe(`User '${uid}' not found in group '${g.id}'`);
    expect((await t.inject('PUT', path, { token: admin })).status).toBe(204);
    expect((await t.inject('PUT', path, { token: admin })).status).toBe(204); // idempotent
    const head = await t.inject('HEAD', path, { token: admin });
    expect(head.status).toBe(204);
    expect(head.body).toBe('');
    const listed = await t.inject('GET', `/v3/groups/${g.id}/users`, { token: admin });
    expect(listed.json.users.map((u: { name: string }) => u.name)).toEqual(['gina']);
    expect(listed.json.links.self).toBe(`${URL_BASE}/groups/${g.id}/users`);

    const unknownUser = await t.inject('PUT', `/v3/groups/${g.id}/users/nobody`, { token: admin });
    expect(unknownUser.json).toEqual(keystoneError(404, 'Not Found', 'Could not find user: nobody.'));
    const unknownGroup = await t.inject('PUT', `/v3/groups/nogroup/users/${uid}`, { token: admin });
    expect(unknownGroup.json).toEqual(keystoneError(404, 'Not Found', 'Could not find group: nogroup.'));
    expect((await t.inject('HEAD', `/v3/groups/nogroup/users/${uid}`, { token: admin })).status).toBe(404);
    expect((await t.inject('GET', '/v3/groups/nogroup/users', { token: admin })).status).toBe(404);

    expect((await t.inject('DELETE', path, { token: admin })).status).toBe(204);
    expect((await t.inject('HEAD', path, { token: admin })).status).toBe(404);
    expect((await t.inject('DELETE', path, { token: admin })).status).toBe(404);
  });

  it('gives members the group’s roles, and revokes them when a member leaves or the group goes', async () => {
    const g = await create(t, 'groups', 'group', { name: 'demo-readers' });
    const ivy = await t.createUser('ivy', 'ivy-pass');
    const jon = await t.createUser('jon', 'jon-pass');
    for (const uid of [ivy, jon]) await t.inject('PUT', `/v3/groups/${g.id}/users/${uid}`, { token: admin });
    await expect(t.tokenFor('ivy', 'ivy-pass', 'demo')).rejects.toThrow(/401/);
    expect((await t.inject('PUT', `/v3/projects/${demoId}/groups/${g.id}/roles/${readerId}`, { token: admin })).status).toBe(204);
    const ivyToken = await t.tokenFor('ivy', 'ivy-pass', 'demo');
    const jonToken = await t.tokenFor('jon', 'jon-pass', 'demo');

    expect((await t.inject('DELETE', `/v3/groups/${g.id}/users/${ivy}`, { token: admin })).status).toBe(204);
    await expect(isValid(t, ivyToken)).resolves.toBe(false);
    await expect(isValid(t, jonToken)).resolves.toBe(true);
    await expect(t.tokenFor('ivy', 'ivy-pass', 'demo')).rejects.toThrow(/401/);

    expect((await t.inject('DELETE', `/v3/groups/${g.id}`, { token: admin })).status).toBe(204);
    await expect(isValid(t, jonToken)).resolves.toBe(false);
    await expect(t.tokenFor('jon', 'jon-pass', 'demo')).rejects.toThrow(/401/);
  });

  it('keeps members out of group administration', async () => {
    const g = await create(t, 'groups', 'group', { name: 'private' });
    const doraId = await idOf(t, 'users', 'dora');
    for (const res of [
      await t.inject('GET', '/v3/groups', { token: dora }),
      await t.inject('GET', `/v3/groups/${g.id}`, { token: dora }),
      await t.inject('POST', '/v3/groups', { token: dora, body: { group: { name: 'mine' } } }),
      await t.inject('PUT', `/v3/groups/${g.id}/users/${doraId}`, { token: dora }),
      await t.inject('DELETE', `/v3/groups/${g.id}`, { token: dora }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.json.error.title).toBe('Forbidden');
    }
    expect((await t.inject('HEAD', `/v3/groups/${g.id}/users/${doraId}`, { token: admin })).status).toBe(404);
  });
});
