import { ImpliedRoles1764300000000 } from '../src/db/migrations/1764300000000-implied-roles';
import { IdentityTestApp, startIdentity } from './helpers/app';
import { create, idOf, keystoneError, URL_BASE } from './helpers/resources';

const roleRef = (id: string, name: string) => ({ id, name, links: { self: `${URL_BASE}/roles/${id}` } });

/** Implied roles (`/v3/roles/{prior}/implies/{implied}`, `/v3/role_inferences`) and domain-specific roles. */
describe('implied roles and domain-specific roles', () => {
  let t: IdentityTestApp;
  let admin: string;
  let role: Record<'admin' | 'member' | 'reader', string>;
  beforeAll(async () => {
    t = await startIdentity();
    admin = await t.adminToken();
    role = { admin: await idOf(t, 'roles', 'admin'), member: await idOf(t, 'roles', 'member'), reader: await idOf(t, 'roles', 'reader') };
    await t.createProject('demo');
  });
  afterAll(async () => {
    await t.close();
  });
  const tokenRoles = async (user: string, password: string): Promise<string[]> => {
    const res = await t.inject('POST', '/v3/auth/tokens?nocatalog', {
      body: { auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } }, scope: { project: { name: 'demo', domain: { id: 'default' } } } } },
    });
    if (res.status !== 201) throw new Error(`token for ${user}: ${res.status} ${res.body}`);
    return (res.json.token.roles as Array<{ name: string }>).map((r) => r.name).sort();
  };

  describe('the default rules', () => {
    it('are stored by bootstrap (admin ⇒ member ⇒ reader) and listed by GET /v3/role_inferences', async () => {
      const res = await t.inject('GET', '/v3/role_inferences', { token: admin });
      expect(res.status).toBe(200);
      expect(res.json.role_inferences).toEqual(
        expect.arrayContaining([
          { prior_role: roleRef(role.admin, 'admin'), implies: [roleRef(role.member, 'member')] },
          { prior_role: roleRef(role.member, 'member'), implies: [roleRef(role.reader, 'reader')] },
        ]),
      );
      expect(res.json.role_inferences).toHaveLength(2);
    });

    it('are stored by the migration for a deployment whose roles already exist (they were hard-coded before)', async () => {
      const migration = new ImpliedRoles1764300000000();
      const runner = t.db.dataSource.createQueryRunner();
      try {
        await migration.down(runner);
        await migration.up(runner);
      } finally {
        await runner.release();
      }
      const rows = await t.db.dataSource.query('SELECT prior_role_id AS p, implied_role_id AS i FROM implied_role ORDER BY p, i');
      expect(rows).toEqual(expect.arrayContaining([{ p: role.admin, i: role.member }, { p: role.member, i: role.reader }]));
      expect(rows).toHaveLength(2);
    });

    it('shows what a role implies (GET /v3/roles/{id}/implies and /implies/{id}; HEAD answers 204)', async () => {
      const list = await t.inject('GET', `/v3/roles/${role.member}/implies`, { token: admin });
      expect(list.json).toEqual({
        role_inference: { prior_role: roleRef(role.member, 'member'), implies: [roleRef(role.reader, 'reader')] },
        links: { self: `${URL_BASE}/roles/${role.member}/implies` },
      });
      const one = await t.inject('GET', `/v3/roles/${role.admin}/implies/${role.member}`, { token: admin });
      expect(one.json).toEqual({
        role_inference: { prior_role: roleRef(role.admin, 'admin'), implies: roleRef(role.member, 'member') },
        links: { self: `${URL_BASE}/roles/${role.admin}/implies/${role.member}` },
      });
      const head = await t.inject('HEAD', `/v3/roles/${role.admin}/implies/${role.member}`, { token: admin });
      expect(head.status).toBe(204);
      const missing = await t.inject('GET', `/v3/roles/${role.admin}/implies/${role.reader}`, { token: admin });
      expect(missing.json).toEqual(keystoneError(404, 'Not Found', `${role.admin} does not imply ${role.reader}.`));
      expect((await t.inject('HEAD', `/v3/roles/${role.admin}/implies/${role.reader}`, { token: admin })).status).toBe(404);
      expect((await t.inject('GET', `/v3/roles/${role.reader}/implies`, { token: admin })).json.role_inference.implies).toEqual([]);
      expect((await t.inject('GET', '/v3/roles/nosuchrole/implies', { token: admin })).json).toEqual(keystoneError(404, 'Not Found', 'Could not find role: nosuchrole.'));
    });
  });

  describe('rules an admin adds and removes', () => {
    it('put the implied roles in new tokens and take them out again', async () => {
      const auditor = await create(t, 'roles', 'role', { name: 'auditor' });
      const logs = await create(t, 'roles', 'role', { name: 'log-reader' });
      await t.createUser('ivy', 'ivy-pass', { project: 'demo', role: 'auditor' });
      await expect(tokenRoles('ivy', 'ivy-pass')).resolves.toEqual(['auditor']);

      const put = await t.inject('PUT', `/v3/roles/${auditor.id}/implies/${logs.id}`, { token: admin });
      expect(put.status).toBe(201);
      expect(put.json.role_inference).toEqual({ prior_role: roleRef(auditor.id, 'auditor'), implies: roleRef(logs.id, 'log-reader') });
      // chains: log-reader ⇒ reader
      expect((await t.inject('PUT', `/v3/roles/${logs.id}/implies/${role.reader}`, { token: admin })).status).toBe(201);
      await expect(tokenRoles('ivy', 'ivy-pass')).resolves.toEqual(['auditor', 'log-reader', 'reader']);
      const dup = await t.inject('PUT', `/v3/roles/${auditor.id}/implies/${logs.id}`, { token: admin });
      expect(dup.json).toEqual(keystoneError(409, 'Conflict', 'Conflict occurred attempting to store implied_role - Duplicate entry.'));

      // a cycle is stored (Keystone allows it) and traversed once
      expect((await t.inject('PUT', `/v3/roles/${logs.id}/implies/${auditor.id}`, { token: admin })).status).toBe(201);
      await expect(tokenRoles('ivy', 'ivy-pass')).resolves.toEqual(['auditor', 'log-reader', 'reader']);

      expect((await t.inject('DELETE', `/v3/roles/${auditor.id}/implies/${logs.id}`, { token: admin })).status).toBe(204);
      expect((await t.inject('DELETE', `/v3/roles/${auditor.id}/implies/${logs.id}`, { token: admin })).status).toBe(404);
      await expect(tokenRoles('ivy', 'ivy-pass')).resolves.toEqual(['auditor']);

      // deleting a role removes the rules it takes part in
      expect((await t.inject('DELETE', `/v3/roles/${logs.id}`, { token: admin })).status).toBe(204);
      const rules = (await t.inject('GET', '/v3/role_inferences', { token: admin })).json.role_inferences as Array<{ prior_role: { id: string } }>;
      expect(rules.map((r) => r.prior_role.id).sort()).toEqual([role.admin, role.member].sort());
    });

    it('shows the implied roles in the effective role assignments, naming the prior role', async () => {
      const uid = await t.createUser('jon', 'jon-pass', { project: 'demo', role: 'admin' });
      const res = await t.inject('GET', `/v3/role_assignments?effective&user.id=${uid}&include_names`, { token: admin });
      const names = (res.json.role_assignments as Array<{ role: { name: string } }>).map((a) => a.role.name).sort();
      expect(names).toEqual(['admin', 'member', 'reader']);
      await expect(tokenRoles('jon', 'jon-pass')).resolves.toEqual(['admin', 'member', 'reader']);
    });

    it('refuses admin as an implied role, unknown roles, and non-admins', async () => {
      const ops = await create(t, 'roles', 'role', { name: 'operator' });
      const refused = await t.inject('PUT', `/v3/roles/${ops.id}/implies/${role.admin}`, { token: admin });
      expect(refused.json).toEqual(keystoneError(403, 'Forbidden', `${role.admin} cannot be an implied roles.`));
      expect((await t.inject('PUT', `/v3/roles/${ops.id}/implies/nosuch`, { token: admin })).json).toEqual(keystoneError(404, 'Not Found', 'Could not find role: nosuch.'));
      expect((await t.inject('PUT', `/v3/roles/nosuch/implies/${ops.id}`, { token: admin })).json).toEqual(keystoneError(404, 'Not Found', 'Could not find role: nosuch.'));
      await t.createUser('kit', 'kit-pass', { project: 'demo', role: 'member' });
      const kit = await t.tokenFor('kit', 'kit-pass', 'demo');
      for (const [method, path] of [
        ['PUT', `/v3/roles/${ops.id}/implies/${role.reader}`],
        ['DELETE', `/v3/roles/${role.admin}/implies/${role.member}`],
        ['GET', `/v3/roles/${role.admin}/implies/${role.member}`],
        ['GET', `/v3/roles/${role.admin}/implies`],
        ['GET', '/v3/role_inferences'],
      ]) {
        const res = await t.inject(method, path, { token: kit });
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
      }
      expect((await t.inject('GET', `/v3/roles/${ops.id}/implies`, { token: admin })).json.role_inference.implies).toEqual([]);
    });
  });

  describe('domain-specific roles', () => {
    let domainId: string;
    beforeAll(async () => {
      domainId = (await create(t, 'domains', 'domain', { name: 'acme' })).id;
    });

    it('are created with a domain_id, listed only with ?domain_id=, and named uniquely per domain', async () => {
      const res = await t.inject('POST', '/v3/roles', { token: admin, body: { role: { name: 'member', domain_id: domainId } } });
      expect(res.status).toBe(201);
      expect(res.json.role).toMatchObject({ name: 'member', domain_id: domainId });
      const dup = await t.inject('POST', '/v3/roles', { token: admin, body: { role: { name: 'member', domain_id: domainId } } });
      expect(dup.status).toBe(409);
      const globals = (await t.inject('GET', '/v3/roles', { token: admin })).json.roles as Array<{ id: string; domain_id: string | null }>;
      expect(globals.map((r) => r.id)).not.toContain(res.json.role.id);
      expect(globals.every((r) => r.domain_id === null)).toBe(true);
      const scoped = await t.inject('GET', `/v3/roles?domain_id=${domainId}`, { token: admin });
      expect(scoped.json.roles.map((r: { id: string }) => r.id)).toEqual([res.json.role.id]);
      expect((await t.inject('GET', '/v3/roles?name=member', { token: admin })).json.roles.map((r: { id: string }) => r.id)).toEqual([role.member]);
      expect((await t.inject('GET', `/v3/roles/${res.json.role.id}`, { token: admin })).json.role.domain_id).toBe(domainId);
      const move = await t.inject('PATCH', `/v3/roles/${res.json.role.id}`, { token: admin, body: { role: { domain_id: null } } });
      expect(move.json).toEqual(keystoneError(400, 'Bad Request', 'Update of `domain_id` is not allowed.'));
      const nowhere = await t.inject('POST', '/v3/roles', { token: admin, body: { role: { name: 'x', domain_id: 'nosuchdomain' } } });
      expect(nowhere.json).toEqual(keystoneError(404, 'Not Found', 'Could not find domain: nosuchdomain.'));
    });

    it('are not put in tokens themselves, only the roles they imply; a global role cannot imply one', async () => {
      const dev = (await t.inject('POST', '/v3/roles', { token: admin, body: { role: { name: 'developer', domain_id: 'default' } } })).json.role;
      const refused = await t.inject('PUT', `/v3/roles/${role.member}/implies/${dev.id}`, { token: admin });
      expect(refused.json).toEqual(keystoneError(403, 'Forbidden', `${dev.id} cannot be an implied roles.`));
      expect((await t.inject('PUT', `/v3/roles/${dev.id}/implies/${role.member}`, { token: admin })).status).toBe(201);
      const uid = await t.createUser('lee', 'lee-pass');
      const demo = await idOf(t, 'projects', 'demo');
      expect((await t.inject('PUT', `/v3/projects/${demo}/users/${uid}/roles/${dev.id}`, { token: admin })).status).toBe(204);
      await expect(tokenRoles('lee', 'lee-pass')).resolves.toEqual(['member', 'reader']);
      const effective = await t.inject('GET', `/v3/role_assignments?effective&user.id=${uid}&include_names`, { token: admin });
      expect((effective.json.role_assignments as Array<{ role: { name: string } }>).map((a) => a.role.name).sort()).toEqual(['member', 'reader']);
    });

    it('can be granted on a project only in their own domain', async () => {
      const acmeRole = (await t.inject('GET', `/v3/roles?domain_id=${domainId}`, { token: admin })).json.roles[0];
      const uid = await t.createUser('max', 'max-pass');
      const demo = await idOf(t, 'projects', 'demo');
      const res = await t.inject('PUT', `/v3/projects/${demo}/users/${uid}/roles/${acmeRole.id}`, { token: admin });
      expect(res.json).toEqual(keystoneError(403, 'Forbidden', `Project ${demo} must be in the same domain as the role ${acmeRole.id} being assigned.`));
    });

    it('go with their domain when it is deleted', async () => {
      const d = await create(t, 'domains', 'domain', { name: 'gone' });
      const r = (await t.inject('POST', '/v3/roles', { token: admin, body: { role: { name: 'temp', domain_id: d.id } } })).json.role;
      await t.inject('PATCH', `/v3/domains/${d.id}`, { token: admin, body: { domain: { enabled: false } } });
      expect((await t.inject('DELETE', `/v3/domains/${d.id}`, { token: admin })).status).toBe(204);
      expect((await t.inject('GET', `/v3/roles/${r.id}`, { token: admin })).status).toBe(404);
    });
  });
});
