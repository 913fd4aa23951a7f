import { ResourceRepository } from '../src/db/repositories/resource.repository';
import { AssignmentRepository } from '../src/db/repositories/assignment.repository';
import { ChangeFeed } from '../src/services/events';
import { newId, PasswordHasher } from '../src/services/primitives';
import { ADMIN_PASSWORD, IdentityTestApp, startIdentity } from './helpers/app';

function passwordAuth(user: string, password: string, scope?: unknown): unknown {
  return {
    auth: {
      identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } },
      ...(scope !== undefined ? { scope } : {}),
    },
  };
}
const ADMIN_PROJECT = { project: { name: 'admin', domain: { name: 'Default' } } };

describe('identity /v3/auth', () => {
  let t: IdentityTestApp;
  let memberId: string;
  beforeAll(async () => {
    t = await startIdentity();
    // a member of a second project, seeded through the repositories
    const resources = t.app.get(ResourceRepository);
    const assignments = t.app.get(AssignmentRepository);
    const projectId = newId();
    await resources.insertProject({ id: projectId, name: 'demo', domainId: 'default', parentId: null, description: null, enabled: true, tags: [] });
    memberId = newId();
    await resources.insertUser({
      id: memberId,
      name: 'alice',
      domainId: 'default',
      enabled: true,
      passwordHash: await t.app.get(PasswordHasher).hash('alice-pass'),
      defaultProjectId: null,
      description: null,
      email: null,
      options: {},
      extra: {},
    });
    const member = await assignments.findRoleByName('member');
    await assignments.grant({ actorType: 'user', actorId: memberId, targetType: 'project', targetId: projectId, roleId: member!.id });
    t.app.get(ChangeFeed).changed();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('version discovery', () => {
    it('answers 300 at / and 200 at /v3, without a token', async () => {
      const root = await t.inject('GET', '/');
      expect(root.status).toBe(300);
      expect(root.json.versions.values[0]).toMatchObject({ id: 'v3.14', status: 'stable', links: [{ rel: 'self', href: 'http://127.0.0.1:5000/v3/' }] });
      const v3 = await t.inject('GET', '/v3');
      expect(v3.status).toBe(200);
      expect(v3.json.version.id).toBe('v3.14');
      expect(v3.headers['x-openstack-request-id']).toMatch(/^req-/);
    });
  });

  describe('POST /v3/auth/tokens', () => {
    it('issues a project-scoped token with the catalog', async () => {
      const res = await t.inject('POST', '/v3/auth/tokens', { body: passwordAuth('admin', ADMIN_PASSWORD, ADMIN_PROJECT) });
      expect(res.status).toBe(201);
      expect(res.headers['x-subject-token']).toEqual(expect.any(String));
      const token = res.json.token;
      expect(token.methods).toEqual(['password']);
      expect(token.user).toMatchObject({ name: 'admin', domain: { id: 'default', name: 'Default' }, password_expires_at: null });
      expect(token.project).toMatchObject({ name: 'admin', domain: { id: 'default', name: 'Default' } });
      expect(token.is_domain).toBe(false);
      expect(token.roles.map((r: { name: string }) => r.name).sort()).toEqual(['admin', 'member', 'reader']);
      expect(token.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(token.issued_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(new Date(token.expires_at).getTime() - new Date(token.issued_at).getTime()).toBe(3600_000);
      expect(token.audit_ids).toHaveLength(1);
      const types = token.catalog.map((c: { type: string }) => c.type).sort();
      // bootstrap registers identity alone (catalog-registration.int-spec.ts: the others)
      expect(types).toEqual(['identity']);
      const keystone = token.catalog.find((c: { type: string }) => c.type === 'identity');
      expect(keystone.endpoints).toHaveLength(3);
      expect(keystone.endpoints.find((e: { interface: string }) => e.interface === 'public')).toMatchObject({
        url: 'http://127.0.0.1:5000/v3',
        region: 'RegionOne',
        region_id: 'RegionOne',
      });
    });

    it('leaves the catalog out with ?nocatalog', async () => {
      const res = await t.inject('POST', '/v3/auth/tokens?nocatalog', { body: passwordAuth('admin', ADMIN_PASSWORD, ADMIN_PROJECT) });
      expect(res.status).toBe(201);
      expect(res.json.token.catalog).toBeUndefined();
    });

    it('leaves the catalog out of a validation with ?nocatalog (GET /v3/auth/tokens, as keystonemiddleware asks)', async () => {
      const admin = await t.tokenFor('admin', ADMIN_PASSWORD, 'admin');
      const full = await t.inject('GET', '/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': admin } });
      expect(full.json.token.catalog).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'identity' })]));
      for (const query of ['?nocatalog', '?nocatalog=1', '?nocatalog=true']) {
        const res = await t.inject('GET', `/v3/auth/tokens${query}`, { token: admin, headers: { 'x-subject-token': admin } });
        expect({ query, status: res.status, catalog: res.json.token.catalog }).toEqual({ query, status: 200, catalog: undefined });
        expect(res.json.token.roles).toEqual(full.json.token.roles);
      }
    });

    it('scopes to the default project when no scope is given, and not at all with "unscoped"', async () => {
      const implicit = await t.inject('POST', '/v3/auth/tokens', { body: passwordAuth('admin', ADMIN_PASSWORD) });
      expect(implicit.json.token.project.name).toBe('admin');
      const unscoped = await t.inject('POST', '/v3/auth/tokens', { body: passwordAuth('admin', ADMIN_PASSWORD, 'unscoped') });
      expect(unscoped.status).toBe(201);
      expect(unscoped.json.token.project).toBeUndefined();
      expect(unscoped.json.token.roles).toBeUndefined();
      expect(JSON.stringify(unscoped.json.token.catalog)).not.toContain('AUTH_');
    });

    it('issues system-scoped tokens to system admins only', async () => {
      const sys = await t.inject('POST', '/v3/auth/tokens', { body: passwordAuth('admin', ADMIN_PASSWORD, { system: { all: true } }) });
      expect(sys.status).toBe(201);
      expect(sys.json.token.system).toEqual({ all: true });
      const denied = await t.inject('POST', '/v3/auth/tokens', { body: passwordAuth('alice', 'alice-pass', { system: { all: true } }) });
      expect(denied.status).toBe(401);
    });

    it('refuses a project the user has no role on', async () => {
      const res = await t.inject('POST', '/v3/auth/tokens', { body: passwordAuth('alice', 'alice-pass', ADMIN_PROJECT) });
      expect(res.status).toBe(401);
      expect(res.json.error).toMatchObject({ code: 401, title: 'Unauthorized' });
    });

    it('answers a wrong password, an unknown user and a disabled user identically', async () => {
      const wrong = await t.inject('POST', '/v3/auth/tokens', { body: passwordAuth('alice', 'nope') });
      const unknown = await t.inject('POST', '/v3/auth/tokens', { body: passwordAuth('nobody-at-all', 'nope') });
      await t.app.get(ResourceRepository).updateUser(memberId, { enabled: false });
      const disabled = await t.inject('POST', '/v3/auth/tokens', { body: passwordAuth('alice', 'alice-pass') });
      await t.app.get(ResourceRepository).updateUser(memberId, { enabled: true });
      for (const r of [wrong, unknown, disabled]) {
        expect(r.status).toBe(401);
        expect(r.json).toEqual({ error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
      }
    });

    it('rescopes with the token method, keeping the expiry and the audit chain', async () => {
      const first = await t.inject('POST', '/v3/auth/tokens', { body: passwordAuth('alice', 'alice-pass', 'unscoped') });
      const rescoped = await t.inject('POST', '/v3/auth/tokens', {
        body: {
          auth: {
            identity: { methods: ['token'], token: { id: first.headers['x-subject-token'] } },
            scope: { project: { name: 'demo', domain: { id: 'default' } } },
          },
        },
      });
      expect(rescoped.status).toBe(201);
      expect(rescoped.json.token.project.name).toBe('demo');
      expect(rescoped.json.token.expires_at).toBe(first.json.token.expires_at);
      expect(rescoped.json.token.audit_ids[1]).toBe(first.json.token.audit_ids[0]);
    });

    it.each([
      ['malformed JSON', '{"auth": ', 400],
      ['no auth at all', {}, 400],
      ['methods of the wrong type', { auth: { identity: { methods: 'password' } } }, 400],
      ['a listed method without data', { auth: { identity: { methods: ['password'] } } }, 400],
      ['an unknown method', { auth: { identity: { methods: ['kerberos'], kerberos: {} } } }, 401],
      ['a user name without a domain', { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'x' } } } } }, 400],
      ['a name over the limit', passwordAuth('x'.repeat(300), 'pw'), 400],
      ['two scopes', passwordAuth('admin', ADMIN_PASSWORD, { project: { id: 'x' }, domain: { id: 'default' } }), 400],
    ])('answers %s with %i and Keystone’s error body', async (_name, body, status) => {
      const res = await t.inject('POST', '/v3/auth/tokens', { body });
      expect(res.status).toBe(status);
      expect(res.json.error.code).toBe(status);
      expect(res.json.error.message).toEqual(expect.any(String));
      expect(res.body).not.toMatch(/at \w+ \(/); // no stack trace
    });

    it('answers a body over 1 MiB with 413', async () => {
      const res = await t.inject('POST', '/v3/auth/tokens', { body: passwordAuth('admin', 'x'.repeat(1_100_000)) });
      expect(res.status).toBe(413);
      expect(res.json.error.code).toBe(413);
    });
  });

  describe('validation and revocation', () => {
    it('validates, checks and revokes a token', async () => {
      const admin = await t.adminToken();
      const alice = await t.tokenFor('alice', 'alice-pass', 'demo');
      const get = await t.inject('GET', '/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': alice } });
      expect(get.status).toBe(200);
      expect(get.headers['x-subject-token']).toBe(alice);
      expect(get.json.token.user.name).toBe('alice');
      expect(get.json.token.roles.map((r: { name: string }) => r.name).sort()).toEqual(['member', 'reader']);
      const head = await t.inject('HEAD', '/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': alice } });
      expect(head.status).toBe(200);

      const del = await t.inject('DELETE', '/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': alice } });
      expect(del.status).toBe(204);
      const after = await t.inject('GET', '/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': alice } });
      expect(after.status).toBe(404);
      expect(after.json.error.code).toBe(404);
      const guard = await t.inject('GET', '/v3/auth/catalog', { token: alice });
      expect(guard.status).toBe(401);
      expect(guard.headers['www-authenticate']).toBe('Keystone uri="http://127.0.0.1:5000"');
      expect(t.events).toContainEqual(expect.objectContaining({ eventType: 'identity.token.revoked' }));
    });

    it('lets a user validate only their own token', async () => {
      const alice = await t.tokenFor('alice', 'alice-pass', 'demo');
      const admin = await t.adminToken();
      const own = await t.inject('GET', '/v3/auth/tokens', { token: alice, headers: { 'x-subject-token': alice } });
      expect(own.status).toBe(200);
      const other = await t.inject('GET', '/v3/auth/tokens', { token: alice, headers: { 'x-subject-token': admin } });
      expect(other.status).toBe(403);
      expect(other.json.error.message).toBe('You are not authorized to perform the requested action: identity:validate_token.');
    });

    it('rejects a tampered or expired-looking token with 404 on validate and 401 at the guard', async () => {
      const admin = await t.adminToken();
      const alice = await t.tokenFor('alice', 'alice-pass', 'demo');
      const tampered = alice.slice(0, -3) + (alice.endsWith('AAA') ? 'BBB' : 'AAA');
      for (const bad of [tampered, 'not-a-token', 'x'.repeat(3000)]) {
        const res = await t.inject('GET', '/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': bad } });
        expect(res.status).toBe(404);
        const guard = await t.inject('GET', '/v3/auth/projects', { token: bad });
        expect(guard.status).toBe(401);
      }
      const missing = await t.inject('GET', '/v3/auth/tokens', { token: admin });
      expect(missing.status).toBe(400);
      const anonymous = await t.inject('GET', '/v3/auth/tokens', { headers: { 'x-subject-token': alice } });
      expect(anonymous.status).toBe(401);
    });

    it('invalidates tokens of a disabled user', async () => {
      const alice = await t.tokenFor('alice', 'alice-pass', 'demo');
      const admin = await t.adminToken();
      const { RevocationService } = await import('../src/services/revocation.service');
      await t.app.get(ResourceRepository).updateUser(memberId, { enabled: false });
      await t.app.get(RevocationService).revoke({ userId: memberId });
      const res = await t.inject('GET', '/v3/auth/tokens', { token: admin, headers: { 'x-subject-token': alice } });
      expect(res.status).toBe(404);
      await t.app.get(ResourceRepository).updateUser(memberId, { enabled: true });
      t.app.get(ChangeFeed).changed();
      // a token issued after the revocation works again
      await expect(t.tokenFor('alice', 'alice-pass', 'demo')).resolves.toEqual(expect.any(String));
    });
  });

  describe('the caller’s own view', () => {
    it('lists the caller’s catalog, projects and system access', async () => {
      const alice = await t.tokenFor('alice', 'alice-pass', 'demo');
      const catalog = await t.inject('GET', '/v3/auth/catalog', { token: alice });
      expect(catalog.status).toBe(200);
      expect(catalog.json.catalog.map((c: { type: string }) => c.type)).toEqual(['identity']);
      const projects = await t.inject('GET', '/v3/auth/projects', { token: alice });
      expect(projects.json.projects.map((p: { name: string }) => p.name)).toEqual(['demo']);
      expect(projects.json.projects[0].links.self).toMatch(/\/v3\/projects\/[0-9a-f]{32}$/);
      const system = await t.inject('GET', '/v3/auth/system', { token: alice });
      expect(system.json.system).toEqual([]);
      const adminSystem = await t.inject('GET', '/v3/auth/system', { token: await t.adminToken() });
      expect(adminSystem.json.system).toEqual([{ all: true }]);
    });
  });
});
