import { IdentityTestApp, startIdentity } from './helpers/app';
import { create, idOf, isValid, issueToken, keystoneError, URL_BASE } from './helpers/resources';

describe('role grants and /v3/role_assignments', () => {
  let t: IdentityTestApp;
  let admin: string;
  let demo: string;
  let other: string;
  const role: Record<string, string> = {};
  beforeAll(async () => {
    t = await startIdentity();
    admin = await t.adminToken();
    demo = await t.createProject('demo');
    other = await t.createProject('other');
    for (const name of ['admin', 'member', 'reader']) role[name] = await idOf(t, 'roles', name);
    role.auditor = (await create(t, 'roles', 'role', { name: 'auditor' })).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('grants, checks, lists and revokes a user’s role on a project', async () => {
    const uid = await t.createUser('ann', 'ann-pass');
    const path = `/v3/projects/${demo}/users/${uid}/roles/${role.member}`;
    await expect(t.tokenFor('ann', 'ann-pass', 'demo')).rejects.toThrow(/401/);
    expect((await t.inject('PUT', path, { token: admin })).status).toBe(204);
    expect((await t.inject('PUT', path, { token: admin })).status).toBe(204); // idempotent
    expect((await t.inject('HEAD', path, { token: admin })).status).toBe(204);
    expect((await t.inject('GET', path, { token: admin })).status).toBe(204);
    const listed = await t.inject('GET', `/v3/projects/${demo}/users/${uid}/roles`, { token: admin });
    expect(listed.json).toEqual({
      roles: [expect.objectContaining({ id: role.member, name: 'member', domain_id: null, links: { self: `${URL_BASE}/roles/${role.member}` } })],
      links: { self: `${URL_BASE}/projects/${demo}/users/${uid}/roles`, previous: null, next: null },
    });
    // the new grant is seen at once (cached validations are refreshed)
    const token = await t.tokenFor('ann', 'ann-pass', 'demo');

    expect((await t.inject('DELETE', path, { token: admin })).status).toBe(204);
    await expect(isValid(t, token)).resolves.toBe(false);
    const gone = await t.inject('HEAD', path, { token: admin });
    expect(gone.status).toBe(404);
    const check = await t.inject('GET', path, { token: admin });
    expect(check.json).toEqual(
      keystoneError(404, 'Not Found', `Could not find role assignment with role: ${role.member}, user or group: ${uid}, project, domain, or system: ${demo}.`),
    );
    expect((await t.inject('DELETE', path, { token: admin })).status).toBe(404);
    await expect(t.tokenFor('ann', 'ann-pass', 'demo')).rejects.toThrow(/401/);
  });

  it('revokes only the tokens the removed grant empowered', async () => {
    const uid = await t.createUser('ben', 'ben-pass');
    for (const p of [demo, other]) await t.inject('PUT', `/v3/projects/${p}/users/${uid}/roles/${role.member}`, { token: admin });
    const onDemo = await issueToken(t, uid, { type: 'project', id: demo });
    const onOther = await issueToken(t, uid, { type: 'project', id: other });
    await t.inject('DELETE', `/v3/projects/${demo}/users/${uid}/roles/${role.member}`, { token: admin });
    await expect(isValid(t, onDemo)).resolves.toBe(false);
    await expect(isValid(t, onOther)).resolves.toBe(true);
    expect(t.events.at(-1)).toEqual({ eventType: 'identity.token.revoked', payload: expect.objectContaining({ userId: uid, projectId: demo }) });
  });

  it('answers 404 naming the first missing part (the role first, as Keystone)', async () => {
    const uid = await t.createUser('cal', 'cal-pass');
    const gid = (await create(t, 'groups', 'group', { name: 'g404' })).id;
    const cases: Array<[string, string]> = [
      [`/v3/projects/${demo}/users/nobody/roles/norole`, 'Could not find role: norole.'],
      [`/v3/projects/${demo}/users/nobody/roles/${role.member}`, 'Could not find user: nobody.'],
      [`/v3/projects/${demo}/groups/nogroup/roles/${role.member}`, 'Could not find group: nogroup.'],
      [`/v3/projects/noproject/users/${uid}/roles/${role.member}`, 'Could not find project: noproject.'],
      [`/v3/domains/nodomain/groups/${gid}/roles/${role.member}`, 'Could not find domain: nodomain.'],
      [`/v3/system/users/nobody/roles/${role.admin}`, 'Could not find user: nobody.'],
    ];
    for (const [path, message] of cases) {
      for (const method of ['PUT', 'GET', 'DELETE']) {
        const res = await t.inject(method, path, { token: admin });
        expect({ method, path, status: res.status, message: res.json?.error?.message }).toEqual({ method, path, status: 404, message });
      }
      expect((await t.inject('HEAD', path, { token: admin })).status).toBe(404);
    }
    expect((await t.inject('GET', `/v3/projects/${demo}/users/nobody/roles`, { token: admin })).status).toBe(404);
  });

  it('grants on domains and the system, to users and groups, and lists them', async () => {
    const uid = await t.createUser('dee', 'dee-pass');
    const gid = (await create(t, 'groups', 'group', { name: 'sys-group' })).id;
    const paths = [
      `/v3/domains/default/users/${uid}/roles/${role.reader}`,
      `/v3/domains/default/groups/${gid}/roles/${role.reader}`,
      `/v3/system/users/${uid}/roles/${role.admin}`,
      `/v3/system/groups/${gid}/roles/${role.reader}`,
      `/v3/projects/${demo}/groups/${gid}/roles/${role.auditor}`,
    ];
    for (const p of paths) expect({ p, status: (await t.inject('PUT', p, { token: admin })).status }).toEqual({ p, status: 204 });
    for (const p of paths) expect({ p, status: (await t.inject('HEAD', p, { token: admin })).status }).toEqual({ p, status: 204 });
    const sys = await t.inject('GET', `/v3/system/users/${uid}/roles`, { token: admin });
    expect(sys.json.roles.map((r: { name: string }) => r.name)).toEqual(['admin']);
    expect(sys.json.links.self).toBe(`${URL_BASE}/system/users/${uid}/roles`);
    const dom = await t.inject('GET', `/v3/domains/default/groups/${gid}/roles`, { token: admin });
    expect(dom.json.roles.map((r: { name: string }) => r.name)).toEqual(['reader']);

    const domainToken = await issueToken(t, uid, { type: 'domain', id: 'default' });
    const systemToken = await issueToken(t, uid, { type: 'system', id: 'all' });
    expect((await t.inject('DELETE', paths[0], { token: admin })).status).toBe(204);
    await expect(isValid(t, domainToken)).resolves.toBe(false);
    await expect(isValid(t, systemToken)).resolves.toBe(true);
    expect((await t.inject('DELETE', paths[2], { token: admin })).status).toBe(204);
    await expect(isValid(t, systemToken)).resolves.toBe(false);
  });

  describe('GET /v3/role_assignments', () => {
    let eve: string;
    let gid: string;
    beforeAll(async () => {
      eve = await t.createUser('eve', 'eve-pass', { project: 'demo', role: 'admin' });
      gid = (await create(t, 'groups', 'group', { name: 'auditors' })).id;
      await t.inject('PUT', `/v3/groups/${gid}/users/${eve}`, { token: admin });
      await t.inject('PUT', `/v3/projects/${other}/groups/${gid}/roles/${role.auditor}`, { token: admin });
      await t.inject('PUT', `/v3/domains/default/users/${eve}/roles/${role.reader}`, { token: admin });
    });
    const list = async (query: string) => {
      const res = await t.inject('GET', `/v3/role_assignments${query}`, { token: admin });
      if (res.status !== 200) throw new Error(`${query}: ${res.status} ${res.body}`);
      return res.json as { role_assignments: Array<Record<string, unknown>>; links: unknown };
    };

    it('lists grants with filters, in Keystone’s shape', async () => {
      const all = await list(`?user.id=${eve}`);
      expect(all.links).toEqual({ self: `${URL_BASE}/role_assignments`, previous: null, next: null });
      expect(all.role_assignments).toEqual(
        expect.arrayContaining([
          {
            scope: { project: { id: demo } },
            user: { id: eve },
            role: { id: role.admin },
            links: { assignment: `${URL_BASE}/projects/${demo}/users/${eve}/roles/${role.admin}` },
          },
          {
            scope: { domain: { id: 'default' } },
            user: { id: eve },
            role: { id: role.reader },
            links: { assignment: `${URL_BASE}/domains/default/users/${eve}/roles/${role.reader}` },
          },
        ]),
      );
      expect(all.role_assignments).toHaveLength(2);
      await expect(list(`?group.id=${gid}`)).resolves.toEqual({
        role_assignments: [
          {
            scope: { project: { id: other } },
            group: { id: gid },
            role: { id: role.auditor },
            links: { assignment: `${URL_BASE}/projects/${other}/groups/${gid}/roles/${role.auditor}` },
          },
        ],
        links: expect.anything(),
      });
      await expect(list(`?scope.project.id=${demo}&role.id=${role.admin}`)).resolves.toMatchObject({
        role_assignments: [{ user: { id: eve } }],
      });
      await expect(list(`?scope.domain.id=default&user.id=${eve}`)).resolves.toMatchObject({ role_assignments: [{ role: { id: role.reader } }] });
      const adminUser = await idOf(t, 'users', 'admin');
      const system = await list('?scope.system=all');
      expect(system.role_assignments).toContainEqual({
        scope: { system: { all: true } },
        user: { id: adminUser },
        role: { id: role.admin },
        links: { assignment: `${URL_BASE}/system/users/${adminUser}/roles/${role.admin}` },
      });
      expect(system.role_assignments.every((a) => JSON.stringify(a.scope) === '{"system":{"all":true}}')).toBe(true);
    });

    it('expands group grants and implied roles with effective, and drops group entries', async () => {
      const eff = await list(`?effective=True&user.id=${eve}&scope.project.id=${other}`);
      expect(eff.role_assignments).toEqual([
        {
          scope: { project: { id: other } },
          user: { id: eve },
          role: { id: role.auditor },
          links: {
            assignment: `${URL_BASE}/projects/${other}/groups/${gid}/roles/${role.auditor}`,
            membership: `${URL_BASE}/groups/${gid}/users/${eve}`,
          },
        },
      ]);
      const onDemo = await list(`?effective&user.id=${eve}&scope.project.id=${demo}`);
      expect(onDemo.role_assignments.map((a) => a.role)).toEqual([{ id: role.admin }, { id: role.member }, { id: role.reader }]);
      expect(onDemo.role_assignments[2].links).toEqual({
        assignment: `${URL_BASE}/projects/${demo}/users/${eve}/roles/${role.admin}`,
        prior_role: `${URL_BASE}/roles/${role.member}`,
      });
      const readers = await list(`?effective&scope.project.id=${demo}&role.id=${role.reader}`);
      expect(readers.role_assignments.map((a) => a.user)).toContainEqual({ id: eve });
      expect((await list(`?effective&scope.project.id=${other}`)).role_assignments.some((a) => 'group' in a)).toBe(false);
    });

    it('includes names as `openstack role assignment list --names --project demo` needs them', async () => {
      const named = await list(`?scope.project.id=${demo}&include_names=True`);
      const entry = named.role_assignments.find((a) => (a.user as { id: string } | undefined)?.id === eve);
      expect(entry).toEqual({
        scope: { project: { id: demo, name: 'demo', domain: { id: 'default', name: 'Default' } } },
        user: { id: eve, name: 'eve', domain: { id: 'default', name: 'Default' } },
        role: { id: role.admin, name: 'admin' },
        links: { assignment: `${URL_BASE}/projects/${demo}/users/${eve}/roles/${role.admin}` },
      });
      // osc's rendering: name@domain for users, groups and projects
      const rows = named.role_assignments.filter((a) => 'user' in a).map((a) => {
        const scope = a.scope as { project: { name: string; domain: { name: string } } };
        const user = a.user as { name: string; domain: { name: string } };
        return `${(a.role as { name: string }).name} ${user.name}@${user.domain.name} ${scope.project.name}@${scope.project.domain.name}`;
      });
      expect(rows).toContain('admin eve@Default demo@Default');

      const groups = await list(`?scope.project.id=${other}&group.id=${gid}&include_names`);
      expect(groups.role_assignments).toEqual([
        expect.objectContaining({ group: { id: gid, name: 'auditors', domain: { id: 'default', name: 'Default' } }, role: { id: role.auditor, name: 'auditor' } }),
      ]);
      const effective = await list(`?effective&include_names&user.id=${eve}&scope.project.id=${other}`);
      expect(effective.role_assignments).toEqual([
        {
          scope: { project: { id: other, name: 'other', domain: { id: 'default', name: 'Default' } } },
          user: { id: eve, name: 'eve', domain: { id: 'default', name: 'Default' } },
          role: { id: role.auditor, name: 'auditor' },
          links: {
            assignment: `${URL_BASE}/projects/${other}/groups/${gid}/roles/${role.auditor}`,
            membership: `${URL_BASE}/groups/${gid}/users/${eve}`,
          },
        },
      ]);
      const domains = await list(`?scope.domain.id=default&include_names=1&user.id=${eve}`);
      expect(domains.role_assignments[0].scope).toEqual({ domain: { id: 'default', name: 'Default' } });
    });

    it('refuses contradictory filters with 400 and members with 403', async () => {
      for (const q of [`?scope.project.id=${demo}&scope.domain.id=default`, `?user.id=${eve}&group.id=${gid}`, `?effective&group.id=${gid}`, '?scope.system=all&scope.domain.id=default']) {
        const res = await t.inject('GET', `/v3/role_assignments${q}`, { token: admin });
        expect({ q, status: res.status }).toEqual({ q, status: 400 });
      }
      const dora = await t.createUser('dora', 'dora-pass', { project: 'demo', role: 'member' });
      const token = await issueToken(t, dora, { type: 'project', id: demo });
      const res = await t.inject('GET', `/v3/role_assignments?scope.project.id=${demo}`, { token });
      expect(res.json).toEqual(keystoneError(403, 'Forbidden', 'You are not authorized to perform the requested action: identity:list_role_assignments.'));
      for (const [method, path] of [
        ['PUT', `/v3/projects/${demo}/users/${dora}/roles/${role.admin}`],
        ['DELETE', `/v3/projects/${demo}/users/${dora}/roles/${role.member}`],
        ['GET', `/v3/projects/${demo}/users/${dora}/roles`],
      ]) {
        expect((await t.inject(method, path, { token })).status).toBe(403);
      }
      await expect(isValid(t, token)).resolves.toBe(true);
    });
  });
});
