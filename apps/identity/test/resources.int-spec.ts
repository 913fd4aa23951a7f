import { IdentityTestApp, startIdentity } from './helpers/app';

describe('identity resources', () => {
  let t: IdentityTestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startIdentity();
    admin = await t.adminToken();
    await t.createProject('demo');
    await t.createUser('dora', 'dora-pass', { project: 'demo', role: 'member' });
  });
  afterAll(async () => {
    await t.close();
  });

  const validate = (subject: string) => t.inject('GET', '/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': subject } });
  const count = async (path: string, key: string) => (await t.inject('GET', path, { token: admin })).json[key].length as number;

  describe('projects', () => {
    it('creates, finds, updates and deletes a project with Keystone’s shape', async () => {
      const res = await t.inject('POST', '/v3/projects', { token: admin, body: { project: { name: 'p1', description: 'first', tags: ['a'] } } });
      expect(res.status).toBe(201);
      const p = res.json.project;
      expect(p).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        name: 'p1',
        domain_id: 'default',
        description: 'first',
        enabled: true,
        parent_id: 'default',
        is_domain: false,
        tags: ['a'],
        options: {},
        links: { self: `http://127.0.0.1:5000/v3/projects/${p.id}` },
      });
      expect((await t.inject('GET', '/v3/projects/p1', { token: admin })).status).toBe(404); // find-by-name: 404 first
      const byName = await t.inject('GET', '/v3/projects?name=p1', { token: admin });
      expect(byName.json.projects.map((x: { id: string }) => x.id)).toEqual([p.id]);
      expect(byName.json.links).toEqual({ self: 'http://127.0.0.1:5000/v3/projects', previous: null, next: null });
      const patched = await t.inject('PATCH', `/v3/projects/${p.id}`, { token: admin, body: { project: { description: 'changed', enabled: false } } });
      expect(patched.json.project).toMatchObject({ description: 'changed', enabled: false });
      expect((await t.inject('DELETE', `/v3/projects/${p.id}`, { token: admin })).status).toBe(204);
      const gone = await t.inject('GET', `/v3/projects/${p.id}`, { token: admin });
      expect(gone.status).toBe(404);
      expect(gone.json.error.message).toBe(`Could not find project: ${p.id}.`);
    });

    it('refuses a duplicate name with 409 and bad bodies with 400, writing nothing', async () => {
      const before = await count('/v3/projects', 'projects');
      const dup = await t.inject('POST', '/v3/projects', { token: admin, body: { project: { name: 'demo' } } });
      expect(dup.status).toBe(409);
      expect(dup.json.error.title).toBe('Conflict');
      for (const body of [{}, { project: {} }, { project: { name: 'x'.repeat(65) } }, { project: { name: 5 } }, { project: { name: 'ok', enabled: 'yes' } }, { project: { name: 'ok', tags: ['a/b'] } }]) {
        const res = await t.inject('POST', '/v3/projects', { token: admin, body });
        expect(res.status).toBe(400);
        expect(res.json.error.code).toBe(400);
      }
      const malformed = await t.inject('POST', '/v3/projects', { token: admin, body: '{"project": {' });
      expect(malformed.status).toBe(400);
      expect(await count('/v3/projects', 'projects')).toBe(before);
    });

    it('creates a child project and refuses to delete its parent', async () => {
      const parent = (await t.inject('POST', '/v3/projects', { token: admin, body: { project: { name: 'parent' } } })).json.project;
      const child = await t.inject('POST', '/v3/projects', { token: admin, body: { project: { name: 'child', parent_id: parent.id } } });
      expect(child.json.project.parent_id).toBe(parent.id);
      expect((await t.inject('DELETE', `/v3/projects/${parent.id}`, { token: admin })).status).toBe(403);
    });

    it('revokes the project’s tokens when it is disabled', async () => {
      const p = (await t.inject('POST', '/v3/projects', { token: admin, body: { project: { name: 'to-disable' } } })).json.project;
      await t.createUser('dis-user', 'dis-pass', { project: 'to-disable', role: 'member' });
      const token = await t.tokenFor('dis-user', 'dis-pass', 'to-disable');
      expect((await validate(token)).status).toBe(200);
      await t.inject('PATCH', `/v3/projects/${p.id}`, { token: admin, body: { project: { enabled: false } } });
      expect((await validate(token)).status).toBe(404);
    });
  });

  describe('policy', () => {
    it('keeps a member out of admin APIs and other projects, with Keystone’s 403 body', async () => {
      const dora = await t.tokenFor('dora', 'dora-pass', 'demo');
      const users = await t.inject('GET', '/v3/users', { token: dora });
      expect(users.status).toBe(403);
      expect(users.json).toEqual({
        error: { code: 403, title: 'Forbidden', message: 'You are not authorized to perform the requested action: identity:list_users.' },
      });
      const adminProject = (await t.inject('GET', '/v3/projects?name=admin', { token: admin })).json.projects[0];
      expect((await t.inject('GET', `/v3/projects/${adminProject.id}`, { token: dora })).status).toBe(403);
      expect((await t.inject('PATCH', `/v3/projects/${adminProject.id}`, { token: dora, body: { project: { description: 'x' } } })).status).toBe(403);
      const demo = (await t.inject('GET', '/v3/projects?name=demo', { token: admin })).json.projects[0];
      expect((await t.inject('GET', `/v3/projects/${demo.id}`, { token: dora })).status).toBe(200);
      expect((await t.inject('POST', '/v3/projects', { token: dora, body: { project: { name: 'mine' } } })).status).toBe(403);
    });
  });

  describe('users and passwords', () => {
    it('never returns a password, keeps extra attributes, and revokes tokens on a password change', async () => {
      const res = await t.inject('POST', '/v3/users', { token: admin, body: { user: { name: 'erin', password: 'erin-pass-1', email: 'e@example.org', team: 'blue' } } });
      expect(res.status).toBe(201);
      expect(res.body).not.toContain('erin-pass-1');
      expect(res.json.user).toMatchObject({ name: 'erin', email: 'e@example.org', team: 'blue', enabled: true, password_expires_at: null, domain_id: 'default' });
      const id = res.json.user.id;
      const tok = await t.tokenFor('erin', 'erin-pass-1');
      expect((await validate(tok)).status).toBe(200);
      await t.inject('PATCH', `/v3/users/${id}`, { token: admin, body: { user: { password: 'erin-pass-2' } } });
      expect((await validate(tok)).status).toBe(404);
      await expect(t.tokenFor('erin', 'erin-pass-1')).rejects.toThrow(/401/);
      await expect(t.tokenFor('erin', 'erin-pass-2')).resolves.toEqual(expect.any(String));
      const dup = await t.inject('POST', '/v3/users', { token: admin, body: { user: { name: 'erin' } } });
      expect(dup.status).toBe(409);
    });

    it('lets a user change their own password only with the original one', async () => {
      const id = await t.createUser('fred', 'fred-old', { project: 'demo', role: 'reader' });
      const fred = await t.tokenFor('fred', 'fred-old', 'demo');
      const wrong = await t.inject('POST', `/v3/users/${id}/password`, { token: fred, body: { user: { password: 'fred-new', original_password: 'nope' } } });
      expect(wrong.status).toBe(401);
      const ok = await t.inject('POST', `/v3/users/${id}/password`, { token: fred, body: { user: { password: 'fred-new', original_password: 'fred-old' } } });
      expect(ok.status).toBe(204);
      expect((await validate(fred)).status).toBe(404);
      await expect(t.tokenFor('fred', 'fred-new', 'demo')).resolves.toEqual(expect.any(String));
    });
  });

  describe('groups, grants and role assignments', () => {
    it('grants through a group, lists effective assignments with names, and revokes on removal', async () => {
      const gid = (await t.inject('POST', '/v3/groups', { token: admin, body: { group: { name: 'ops' } } })).json.group.id;
      const uid = await t.createUser('gina', 'gina-pass');
      expect((await t.inject('PUT', `/v3/groups/${gid}/users/${uid}`, { token: admin })).status).toBe(204);
      expect((await t.inject('HEAD', `/v3/groups/${gid}/users/${uid}`, { token: admin })).status).toBe(204);
      await expect(t.tokenFor('gina', 'gina-pass', 'demo')).rejects.toThrow(/401/);
      const demo = (await t.inject('GET', '/v3/projects?name=demo', { token: admin })).json.projects[0];
      const reader = (await t.inject('GET', '/v3/roles?name=reader', { token: admin })).json.roles[0];
      expect((await t.inject('PUT', `/v3/projects/${demo.id}/groups/${gid}/roles/${reader.id}`, { token: admin })).status).toBe(204);
      const gina = await t.tokenFor('gina', 'gina-pass', 'demo');

      const eff = await t.inject('GET', `/v3/role_assignments?effective&include_names&user.id=${uid}`, { token: admin });
      expect(eff.status).toBe(200);
      expect(eff.json.role_assignments).toEqual([
        {
          scope: { project: { id: demo.id, name: 'demo', domain: { id: 'default', name: 'Default' } } },
          user: { id: uid, name: 'gina', domain: { id: 'default', name: 'Default' } },
          role: { id: reader.id, name: 'reader' },
          links: {
            assignment: `http://127.0.0.1:5000/v3/projects/${demo.id}/groups/${gid}/roles/${reader.id}`,
            membership: `http://127.0.0.1:5000/v3/groups/${gid}/users/${uid}`,
          },
        },
      ]);
      const direct = await t.inject('GET', `/v3/role_assignments?scope.project.id=${demo.id}`, { token: admin });
      expect(direct.json.role_assignments).toContainEqual(expect.objectContaining({ group: { id: gid } }));

      expect((await t.inject('DELETE', `/v3/projects/${demo.id}/groups/${gid}/roles/${reader.id}`, { token: admin })).status).toBe(204);
      expect((await validate(gina)).status).toBe(404);
      expect((await t.inject('GET', `/v3/projects/${demo.id}/groups/${gid}/roles/${reader.id}`, { token: admin })).status).toBe(404);
    });

    it('answers 404 for unknown parts of a grant', async () => {
      const demo = (await t.inject('GET', '/v3/projects?name=demo', { token: admin })).json.projects[0];
      const res = await t.inject('PUT', `/v3/projects/${demo.id}/users/nouser/roles/norole`, { token: admin });
      expect(res.status).toBe(404);
      expect(res.json.error.message).toBe('Could not find user: nouser.');
      const dupRole = await t.inject('POST', '/v3/roles', { token: admin, body: { role: { name: 'member' } } });
      expect(dupRole.status).toBe(409);
    });
  });

  describe('application credentials', () => {
    it('creates one with a secret shown once, authenticates with it, and revokes its tokens on delete', async () => {
      const uid = await t.createUser('hank', 'hank-pass', { project: 'demo', role: 'member' });
      const hank = await t.tokenFor('hank', 'hank-pass', 'demo');
      const res = await t.inject('POST', `/v3/users/${uid}/application_credentials`, { token: hank, body: { application_credential: { name: 'ci' } } });
      expect(res.status).toBe(201);
      const cred = res.json.application_credential;
      expect(cred.secret).toEqual(expect.any(String));
      expect(cred.roles.map((r: { name: string }) => r.name).sort()).toEqual(['member', 'reader']);
      expect(cred.unrestricted).toBe(false);
      const listed = await t.inject('GET', `/v3/users/${uid}/application_credentials`, { token: hank });
      expect(JSON.stringify(listed.json)).not.toContain(cred.secret);

      const auth = await t.inject('POST', '/v3/auth/tokens', {
        body: { auth: { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } } } },
      });
      expect(auth.status).toBe(201);
      expect(auth.json.token.application_credential).toEqual({ id: cred.id, name: 'ci', restricted: true });
      expect(auth.json.token.methods).toEqual(['application_credential']);
      const acToken = auth.headers['x-subject-token'] as string;

      const nested = await t.inject('POST', `/v3/users/${uid}/application_credentials`, { token: acToken, body: { application_credential: { name: 'nested' } } });
      expect(nested.status).toBe(403);
      const tooMuch = await t.inject('POST', `/v3/users/${uid}/application_credentials`, { token: hank, body: { application_credential: { name: 'adm', roles: [{ name: 'admin' }] } } });
      expect(tooMuch.status).toBe(403);

      expect((await t.inject('DELETE', `/v3/users/${uid}/application_credentials/${cred.id}`, { token: hank })).status).toBe(204);
      expect((await validate(acToken)).status).toBe(404);
      const again = await t.inject('POST', '/v3/auth/tokens', {
        body: { auth: { identity: { methods: ['application_credential'], application_credential: { id: cred.id, secret: cred.secret } } } },
      });
      expect(again.status).toBe(401);
    });
  });

  describe('catalog administration and domains', () => {
    it('adds a service with an endpoint that appears in new tokens’ catalogs', async () => {
      const svc = (await t.inject('POST', '/v3/services', { token: admin, body: { service: { type: 'test-svc', name: 'tester' } } })).json.service;
      const ep = await t.inject('POST', '/v3/endpoints', { token: admin, body: { endpoint: { service_id: svc.id, interface: 'public', url: 'http://127.0.0.1:9999/x/%(project_id)s', region_id: 'RegionOne' } } });
      expect(ep.status).toBe(201);
      expect(ep.json.endpoint).toMatchObject({ region: 'RegionOne', region_id: 'RegionOne', interface: 'public' });
      const token = await t.inject('POST', '/v3/auth/tokens', { body: { auth: { identity: { methods: ['token'], token: { id: admin } } } } });
      const entry = token.json.token.catalog.find((c: { type: string }) => c.type === 'test-svc');
      expect(entry.endpoints[0].url).toBe(`http://127.0.0.1:9999/x/${token.json.token.project.id}`);
      const badRegion = await t.inject('POST', '/v3/endpoints', { token: admin, body: { endpoint: { service_id: svc.id, interface: 'public', url: 'http://h/', region_id: 'Nowhere' } } });
      expect(badRegion.status).toBe(404);
      const badIface = await t.inject('POST', '/v3/endpoints', { token: admin, body: { endpoint: { service_id: svc.id, interface: 'secret', url: 'http://h/' } } });
      expect(badIface.status).toBe(400);
      expect((await t.inject('DELETE', `/v3/services/${svc.id}`, { token: admin })).status).toBe(204);
    });

    it('deletes a domain only once it is disabled', async () => {
      const d = (await t.inject('POST', '/v3/domains', { token: admin, body: { domain: { name: 'lab' } } })).json.domain;
      const enabled = await t.inject('DELETE', `/v3/domains/${d.id}`, { token: admin });
      expect(enabled.status).toBe(403);
      expect(enabled.json.error.message).toBe('Cannot delete a domain that is enabled, please disable it first.');
      await t.inject('PATCH', `/v3/domains/${d.id}`, { token: admin, body: { domain: { enabled: false } } });
      expect((await t.inject('DELETE', `/v3/domains/${d.id}`, { token: admin })).status).toBe(204);
      expect((await t.inject('GET', `/v3/domains/${d.id}`, { token: admin })).status).toBe(404);
    });
  });
});
