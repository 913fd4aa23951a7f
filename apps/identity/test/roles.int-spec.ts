import { IdentityTestApp, startIdentity } from './helpers/app';
import { count, create, HEX32, idOf, isValid, keystoneError, URL_BASE } from './helpers/resources';

describe('/v3/roles', () => {
  let t: IdentityTestApp;
  let admin: string;
  let demoId: string;
  beforeAll(async () => {
    t = await startIdentity();
    admin = await t.adminToken();
    demoId = await t.createProject('demo');
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists the bootstrap roles and creates, finds, updates and deletes a role', async () => {
    const list = await t.inject('GET', '/v3/roles', { token: admin });
    expect(list.json.roles.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['admin', 'member', 'reader']));
    expect(list.json.links).toEqual({ self: `${URL_BASE}/roles`, previous: null, next: null });

    const res = await t.inject('POST', '/v3/roles', { token: admin, body: { role: { name: 'auditor', description: 'reads logs' } } });
    expect(res.status).toBe(201);
    const r = res.json.role;
    expect(r).toEqual({ id: expect.stringMatching(HEX32), name: 'auditor', domain_id: null, description: 'reads logs', options: {}, links: { self: `${URL_BASE}/roles/${r.id}` } });
    await expect(t.inject('GET', `/v3/roles/${r.id}`, { token: admin })).resolves.toMatchObject({ status: 200, json: { role: r } });
    expect((await t.inject('GET', '/v3/roles/auditor', { token: admin })).json).toEqual(keystoneError(404, 'Not Found', 'Could not find role: auditor.'));
    await expect(t.inject('GET', '/v3/roles?name=auditor', { token: admin })).resolves.toMatchObject({ json: { roles: [r] } });
    const patched = await t.inject('PATCH', `/v3/roles/${r.id}`, { token: admin, body: { role: { name: 'log-auditor' } } });
    expect(patched.json.role).toEqual({ ...r, name: 'log-auditor' });
    expect((await t.inject('DELETE', `/v3/roles/${r.id}`, { token: admin })).status).toBe(204);
    expect((await t.inject('GET', `/v3/roles/${r.id}`, { token: admin })).status).toBe(404);
    expect((await t.inject('DELETE', `/v3/roles/${r.id}`, { token: admin })).status).toBe(404);
  });

  it('refuses a duplicate name with 409 (tempest tolerates it) and bad bodies with 400', async () => {
    const before = await count(t, 'roles');
    const dup = await t.inject('POST', '/v3/roles', { token: admin, body: { role: { name: 'member' } } });
    expect(dup.json).toEqual(keystoneError(409, 'Conflict', 'Conflict occurred attempting to store role - Duplicate entry found with name member.'));
    for (const body of [{}, { role: {} }, { role: { name: 'r'.repeat(256) } }, { role: { name: 'x', domain_id: 5 } }, { role: { name: 'x', options: 'no' } }]) {
      const res = await t.inject('POST', '/v3/roles', { token: admin, body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect(await count(t, 'roles')).toBe(before);
    const reader = await idOf(t, 'roles', 'reader');
    expect((await t.inject('PATCH', `/v3/roles/${reader}`, { token: admin, body: { role: { name: 'admin' } } })).status).toBe(409);
    expect((await t.inject('PATCH', `/v3/roles/${reader}`, { token: admin, body: { role: {} } })).status).toBe(400);
  });

  it('revokes the tokens of everyone who held a deleted role, directly or through a group', async () => {
    const role = await create(t, 'roles', 'role', { name: 'operator' });
    const direct = await t.createUser('kim', 'kim-pass');
    const viaGroup = await t.createUser('lou', 'lou-pass');
    const group = await create(t, 'groups', 'group', { name: 'operators' });
    await t.inject('PUT', `/v3/groups/${group.id}/users/${viaGroup}`, { token: admin });
    await t.inject('PUT', `/v3/projects/${demoId}/users/${direct}/roles/${role.id}`, { token: admin });
    await t.inject('PUT', `/v3/projects/${demoId}/groups/${group.id}/roles/${role.id}`, { token: admin });
    const kim = await t.tokenFor('kim', 'kim-pass', 'demo');
    const lou = await t.tokenFor('lou', 'lou-pass', 'demo');
    expect((await t.inject('DELETE', `/v3/roles/${role.id}`, { token: admin })).status).toBe(204);
    await expect(isValid(t, kim)).resolves.toBe(false);
    await expect(isValid(t, lou)).resolves.toBe(false);
    expect(t.events.filter((e) => e.eventType === 'identity.token.revoked').map((e) => e.payload)).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId: direct, projectId: demoId }), expect.objectContaining({ userId: viaGroup, projectId: demoId })]),
    );
    const left = await t.inject('GET', `/v3/role_assignments?role.id=${role.id}`, { token: admin });
    expect(left.json.role_assignments).toEqual([]);
  });

  it('keeps members out of role administration', async () => {
    await t.createUser('dora', 'dora-pass', { project: 'demo', role: 'member' });
    const dora = await t.tokenFor('dora', 'dora-pass', 'demo');
    const member = await idOf(t, 'roles', 'member');
    for (const res of [
      await t.inject('GET', '/v3/roles', { token: dora }),
      await t.inject('GET', `/v3/roles/${member}`, { token: dora }),
      await t.inject('POST', '/v3/roles', { token: dora, body: { role: { name: 'mine' } } }),
      await t.inject('PATCH', `/v3/roles/${member}`, { token: dora, body: { role: { name: 'boss' } } }),
      await t.inject('DELETE', `/v3/roles/${member}`, { token: dora }),
    ]) {
      expect(res.status).toBe(403);
    }
  });
});
