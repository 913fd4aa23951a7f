import { IdentityTestApp, startIdentity } from './helpers/app';
import { count, create, HEX32, idOf, isValid, keystoneError, URL_BASE } from './helpers/resources';

describe('/v3/projects', () => {
  let t: IdentityTestApp;
  let admin: string;
  let demoId: string;
  let dora: string;
  let doraId: string;
  beforeAll(async () => {
    t = await startIdentity();
    admin = await t.adminToken();
    ({ demoId, doraId, dora } = await t.demoMember());
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates, finds, updates and deletes a project with Keystone’s shape', async () => {
    const res = await t.inject('POST', '/v3/projects', { token: admin, body: { project: { name: 'p1', description: 'first', tags: ['a', 'b'] } } });
    expect(res.status).toBe(201);
    const p = res.json.project;
    expect(p).toEqual({
      id: expect.stringMatching(HEX32),
      name: 'p1',
      domain_id: 'default',
      description: 'first',
      enabled: true,
      parent_id: 'default',
      is_domain: false,
      tags: ['a', 'b'],
      options: {},
      links: { self: `${URL_BASE}/projects/${p.id}` },
    });
    await expect(t.inject('GET', `/v3/projects/${p.id}`, { token: admin })).resolves.toMatchObject({ status: 200, json: { project: p } });

    // find-by-name: GET by name is a 404 with Keystone's body, then ?name= finds it
    const byPath = await t.inject('GET', '/v3/projects/p1', { token: admin });
    expect(byPath.status).toBe(404);
    expect(byPath.json).toEqual(keystoneError(404, 'Not Found', 'Could not find project: p1.'));
    const byName = await t.inject('GET', '/v3/projects?name=p1', { token: admin });
    expect(byName.json).toEqual({ projects: [p], links: { self: `${URL_BASE}/projects`, previous: null, next: null } });

    const patched = await t.inject('PATCH', `/v3/projects/${p.id}`, { token: admin, body: { project: { name: 'p1-renamed', description: 'changed', tags: [] } } });
    expect(patched.status).toBe(200);
    expect(patched.json.project).toEqual({ ...p, name: 'p1-renamed', description: 'changed', tags: [] });

    expect((await t.inject('DELETE', `/v3/projects/${p.id}`, { token: admin })).status).toBe(204);
    const gone = await t.inject('GET', `/v3/projects/${p.id}`, { token: admin });
    expect(gone.status).toBe(404);
    expect(gone.json.error.message).toBe(`Could not find project: ${p.id}.`);
    expect((await t.inject('DELETE', `/v3/projects/${p.id}`, { token: admin })).status).toBe(404);
    expect((await t.inject('PATCH', `/v3/projects/${p.id}`, { token: admin, body: { project: { name: 'x' } } })).status).toBe(404);
  });

  it('filters the list by name, domain, enabled state and parent', async () => {
    const off = await create(t, 'projects', 'project', { name: 'off', enabled: false });
    const names = async (query: string) =>
      ((await t.inject('GET', `/v3/projects?${query}`, { token: admin })).json.projects as Array<{ name: string }>).map((p) => p.name).sort();
    await expect(names('enabled=false')).resolves.toEqual(['off']);
    await expect(names('enabled=False')).resolves.toEqual(['off']);
    await expect(names('enabled=true')).resolves.not.toContain('off');
    await expect(names('domain_id=default&name=demo')).resolves.toEqual(['demo']);
    await expect(names('domain_id=nowhere')).resolves.toEqual([]);
    await expect(names('name=nothing-called-this')).resolves.toEqual([]);
    await expect(names('parent_id=default')).resolves.toEqual(expect.arrayContaining(['admin', 'demo', 'off']));
    expect((await t.inject('GET', '/v3/projects?enabled=perhaps', { token: admin })).status).toBe(400);
    await t.inject('DELETE', `/v3/projects/${off.id}`, { token: admin });
  });

  it('keeps extra attributes and echoes them, as Keystone does', async () => {
    const p = await create(t, 'projects', 'project', { name: 'extras', color: 'blue', size: { cpus: 2 } });
    expect(p).toMatchObject({ name: 'extras', color: 'blue', size: { cpus: 2 }, is_domain: false });
    const patched = await t.inject('PATCH', `/v3/projects/${p.id}`, { token: admin, body: { project: { owner: 'ops' } } });
    expect(patched.json.project).toMatchObject({ color: 'blue', owner: 'ops', size: { cpus: 2 } });
    const got = await t.inject('GET', `/v3/projects/${p.id}`, { token: admin });
    expect(got.json.project).toMatchObject({ color: 'blue', owner: 'ops', id: p.id, links: { self: `${URL_BASE}/projects/${p.id}` } });
  });

  it('refuses a duplicate name with 409 and bad bodies with 400, writing nothing', async () => {
    const before = await count(t, 'projects');
    const dup = await t.inject('POST', '/v3/projects', { token: admin, body: { project: { name: 'demo' } } });
    expect(dup.status).toBe(409);
    expect(dup.json).toEqual(
      keystoneError(409, 'Conflict', 'Conflict occurred attempting to store project - it is not permitted to have two projects with the same name in the same domain : demo.'),
    );
    const missing = await t.inject('POST', '/v3/projects', { token: admin, body: {} });
    expect(missing.json).toEqual(keystoneError(400, 'Bad Request', "Invalid input for field 'project': Required."));
    const bodies: unknown[] = [
      { project: {} },
      { project: { name: '' } },
      { project: { name: '   ' } },
      { project: { name: 'x'.repeat(65) } },
      { project: { name: 5 } },
      { project: { name: 'ok', enabled: 'yes' } },
      { project: { name: 'ok', tags: ['a/b'] } },
      { project: { name: 'ok', tags: ['a', 'a'] } },
      { project: { name: 'ok', tags: ['t'.repeat(81)] } },
      { project: { name: 'ok', description: 7 } },
      { project: { name: 'ok', is_domain: true, parent_id: 'default' } },
      { project: { name: 'ok', is_domain: 'yes' } },
      { project: { name: 'ok' }, other: 1 },
      [{ project: { name: 'ok' } }],
      '{"project": {',
    ];
    for (const body of bodies) {
      const res = await t.inject('POST', '/v3/projects', { token: admin, body });
      expect({ body, status: res.status, code: res.json?.error?.code }).toEqual({ body, status: 400, code: 400 });
    }
    const emptyPatch = await t.inject('PATCH', `/v3/projects/${demoId}`, { token: admin, body: { project: {} } });
    expect(emptyPatch.status).toBe(400);
    const dupRename = await t.inject('PATCH', `/v3/projects/${demoId}`, { token: admin, body: { project: { name: 'admin' } } });
    expect(dupRename.status).toBe(409);
    expect(await count(t, 'projects')).toBe(before);
    await expect(t.inject('GET', `/v3/projects/${demoId}`, { token: admin })).resolves.toMatchObject({ json: { project: { name: 'demo' } } });
  });

  it('creates a project acting as a domain with is_domain (Keystone), lists those only with ?is_domain=true', async () => {
    const res = await t.inject('POST', '/v3/projects', { token: admin, body: { project: { name: 'org', is_domain: true, description: 'a domain' } } });
    expect(res.status).toBe(201);
    const p = res.json.project;
    expect(p).toEqual({
      id: expect.stringMatching(HEX32),
      name: 'org',
      domain_id: null,
      parent_id: null,
      description: 'a domain',
      enabled: true,
      is_domain: true,
      tags: [],
      options: {},
      links: { self: `${URL_BASE}/projects/${p.id}` },
    });
    // it is a domain: projects can be created in it, and the domains API shows it
    await expect(t.inject('GET', `/v3/domains/${p.id}`, { token: admin })).resolves.toMatchObject({ status: 200, json: { domain: { id: p.id, name: 'org' } } });
    const inside = await t.inject('POST', '/v3/projects', { token: admin, body: { project: { name: 'team', domain_id: p.id } } });
    expect(inside.json.project).toMatchObject({ domain_id: p.id, parent_id: p.id, is_domain: false });
    await expect(t.inject('GET', `/v3/projects/${p.id}`, { token: admin })).resolves.toMatchObject({ status: 200, json: { project: p } });

    const plain = (await t.inject('GET', '/v3/projects', { token: admin })).json.projects as Array<{ id: string; is_domain: boolean }>;
    expect(plain.map((x) => x.id)).not.toContain(p.id);
    expect(plain.every((x) => x.is_domain === false)).toBe(true);
    expect((await t.inject('GET', '/v3/projects?is_domain=false', { token: admin })).json.projects).toEqual(plain);
    const domains = (await t.inject('GET', '/v3/projects?is_domain=true', { token: admin })).json.projects as Array<{ id: string; is_domain: boolean }>;
    expect(domains.map((x) => x.id).sort()).toEqual(['default', p.id].sort());
    expect(domains.every((x) => x.is_domain)).toBe(true);
    expect((await t.inject('GET', '/v3/projects?is_domain=true&name=org', { token: admin })).json.projects.map((x: { id: string }) => x.id)).toEqual([p.id]);

    const dup = await t.inject('POST', '/v3/projects', { token: admin, body: { project: { name: 'org', is_domain: true } } });
    expect(dup.status).toBe(409);
    const patched = await t.inject('PATCH', `/v3/projects/${p.id}`, { token: admin, body: { project: { description: 'renamed', enabled: false } } });
    expect(patched.json.project).toMatchObject({ id: p.id, description: 'renamed', enabled: false, is_domain: true });
    const flip = await t.inject('PATCH', `/v3/projects/${p.id}`, { token: admin, body: { project: { is_domain: false } } });
    expect(flip.json).toEqual(keystoneError(400, 'Bad Request', 'Update of `is_domain` is not allowed.'));
    expect((await t.inject('DELETE', `/v3/projects/${inside.json.project.id}`, { token: admin })).status).toBe(204);
    expect((await t.inject('DELETE', `/v3/projects/${p.id}`, { token: admin })).status).toBe(204);
    expect((await t.inject('GET', `/v3/domains/${p.id}`, { token: admin })).status).toBe(404);
  });

  it('builds a hierarchy inside one domain and protects it', async () => {
    const parent = await create(t, 'projects', 'project', { name: 'parent' });
    const child = await create(t, 'projects', 'project', { name: 'child', parent_id: parent.id });
    expect(child).toMatchObject({ parent_id: parent.id, domain_id: 'default' });
    const children = await t.inject('GET', `/v3/projects?parent_id=${parent.id}`, { token: admin });
    expect(children.json.projects.map((p: { id: string }) => p.id)).toEqual([child.id]);
    // a domain id as parent_id is a top-level project of that domain
    await expect(create(t, 'projects', 'project', { name: 'top', parent_id: 'default' })).resolves.toMatchObject({ parent_id: 'default' });

    const unknown = await t.inject('POST', '/v3/projects', { token: admin, body: { project: { name: 'orphan', parent_id: 'nope' } } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toBe('Could not find project: nope.');
    const lab = await create(t, 'domains', 'domain', { name: 'lab' });
    const crossDomain = await t.inject('POST', '/v3/projects', { token: admin, body: { project: { name: 'cross', parent_id: parent.id, domain_id: lab.id } } });
    expect(crossDomain.status).toBe(400);

    const del = await t.inject('DELETE', `/v3/projects/${parent.id}`, { token: admin });
    expect(del.status).toBe(403);
    expect(del.json.error.message).toContain('not a leaf in the hierarchy');
    const disable = await t.inject('PATCH', `/v3/projects/${parent.id}`, { token: admin, body: { project: { enabled: false } } });
    expect(disable.status).toBe(403);
    const move = await t.inject('PATCH', `/v3/projects/${child.id}`, { token: admin, body: { project: { parent_id: 'default' } } });
    expect(move.status).toBe(403);
    const changeDomain = await t.inject('PATCH', `/v3/projects/${child.id}`, { token: admin, body: { project: { domain_id: lab.id } } });
    expect(changeDomain.status).toBe(400);

    expect((await t.inject('DELETE', `/v3/projects/${child.id}`, { token: admin })).status).toBe(204);
    expect((await t.inject('DELETE', `/v3/projects/${parent.id}`, { token: admin })).status).toBe(204);
  });

  it('puts a project in the caller’s project domain unless told otherwise, and refuses an unknown domain', async () => {
    const lab = await create(t, 'domains', 'domain', { name: 'lab2' });
    await expect(create(t, 'projects', 'project', { name: 'in-lab', domain_id: lab.id })).resolves.toMatchObject({ domain_id: lab.id, parent_id: lab.id });
    await expect(create(t, 'projects', 'project', { name: 'in-lab' })).resolves.toMatchObject({ domain_id: 'default' });
    const res = await t.inject('POST', '/v3/projects', { token: admin, body: { project: { name: 'nowhere', domain_id: 'nope' } } });
    expect(res.status).toBe(404);
    expect(res.json.error.message).toBe('Could not find domain: nope.');
  });

  it('revokes the project’s tokens when it is disabled or deleted', async () => {
    const p = await create(t, 'projects', 'project', { name: 'short-lived' });
    await t.createUser('lee', 'lee-pass', { project: 'short-lived', role: 'member' });
    const token = await t.tokenFor('lee', 'lee-pass', 'short-lived');
    const elsewhere = await t.tokenFor('lee', 'lee-pass');
    await expect(isValid(t, token)).resolves.toBe(true);
    await t.inject('PATCH', `/v3/projects/${p.id}`, { token: admin, body: { project: { enabled: false } } });
    await expect(isValid(t, token)).resolves.toBe(false);
    await expect(isValid(t, elsewhere)).resolves.toBe(true);
    await expect(t.tokenFor('lee', 'lee-pass', 'short-lived')).rejects.toThrow(/401/);

    await t.inject('PATCH', `/v3/projects/${p.id}`, { token: admin, body: { project: { enabled: true } } });
    const again = await t.tokenFor('lee', 'lee-pass', 'short-lived');
    expect((await t.inject('DELETE', `/v3/projects/${p.id}`, { token: admin })).status).toBe(204);
    await expect(isValid(t, again)).resolves.toBe(false);
  });

  it('lists a user’s projects, direct and through groups, for the user themself or an admin', async () => {
    const viaGroup = await create(t, 'projects', 'project', { name: 'via-group' });
    const group = await create(t, 'groups', 'group', { name: 'readers' });
    const reader = await idOf(t, 'roles', 'reader');
    await t.inject('PUT', `/v3/groups/${group.id}/users/${doraId}`, { token: admin });
    await t.inject('PUT', `/v3/projects/${viaGroup.id}/groups/${group.id}/roles/${reader}`, { token: admin });

    const mine = await t.inject('GET', `/v3/users/${doraId}/projects`, { token: dora });
    expect(mine.status).toBe(200);
    expect(mine.json.projects.map((p: { name: string }) => p.name).sort()).toEqual(['demo', 'via-group']);
    expect(mine.json.links.self).toBe(`${URL_BASE}/users/${doraId}/projects`);
    const adminId = (await t.inject('GET', '/v3/users?name=admin', { token: admin })).json.users[0].id;
    expect((await t.inject('GET', `/v3/users/${adminId}/projects`, { token: dora })).status).toBe(403);
    expect((await t.inject('GET', `/v3/users/${doraId}/projects`, { token: admin })).status).toBe(200);
    expect((await t.inject('GET', '/v3/users/nobody/projects', { token: admin })).status).toBe(404);
  });

  it('lets a member see only its own project and change nothing', async () => {
    const adminProject = await idOf(t, 'projects', 'admin');
    await expect(t.inject('GET', `/v3/projects/${demoId}`, { token: dora })).resolves.toMatchObject({ status: 200, json: { project: { name: 'demo' } } });
    const other = await t.inject('GET', `/v3/projects/${adminProject}`, { token: dora });
    expect(other.status).toBe(403);
    expect(other.json).toEqual(keystoneError(403, 'Forbidden', 'You are not authorized to perform the requested action: identity:get_project.'));
    const writes = [
      t.inject('GET', '/v3/projects', { token: dora }),
      t.inject('POST', '/v3/projects', { token: dora, body: { project: { name: 'mine' } } }),
      t.inject('PATCH', `/v3/projects/${demoId}`, { token: dora, body: { project: { description: 'x' } } }),
      t.inject('DELETE', `/v3/projects/${demoId}`, { token: dora }),
    ];
    for (const res of await Promise.all(writes)) expect(res.status).toBe(403);
    expect((await t.inject('GET', '/v3/projects')).status).toBe(401);
    await expect(t.inject('GET', `/v3/projects/${demoId}`, { token: admin })).resolves.toMatchObject({ json: { project: { description: '' } } });
  });
});
