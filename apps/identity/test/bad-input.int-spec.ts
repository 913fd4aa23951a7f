import { IdentityTestApp, startIdentity } from './helpers/app';
import { count, create, idOf } from './helpers/resources';

/** Input a careless or hostile client sends: NUL characters, prototype names, repeated query keys. */
describe('identity refuses bad input with a 4xx and Keystone’s error body, never a 500', () => {
  let t: IdentityTestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startIdentity();
    admin = await t.adminToken();
  });
  afterAll(async () => {
    await t.close();
  });

  const expectFault = (res: { status: number; json: { error?: { code?: number; title?: string; message?: string } } }, status: number) => {
    expect(res.status).toBe(status);
    expect(res.json.error).toEqual({ code: status, title: expect.any(String), message: expect.any(String) });
  };

  describe('NUL characters', () => {
    const NUL = 'a\u0000b';
    it('are refused in the names and strings of every kind of entity, writing nothing', async () => {
      const service = await create(t, 'services', 'service', { type: 'nul-test' });
      const cases: Array<[string, string, Record<string, unknown>]> = [
        ['users', 'user', { name: NUL }],
        ['users', 'user', { name: 'ok-user', password: 'pass\u0000word' }],
        ['users', 'user', { name: 'ok-user', description: NUL }],
        ['users', 'user', { name: 'ok-user', [NUL]: 'extra key' }],
        ['users', 'user', { name: 'ok-user', team: { nested: [NUL] } }],
        ['projects', 'project', { name: NUL }],
        ['projects', 'project', { name: 'ok-project', tags: [NUL] }],
        ['domains', 'domain', { name: NUL }],
        ['roles', 'role', { name: NUL }],
        ['groups', 'group', { name: NUL }],
        ['regions', 'region', { id: NUL }],
        ['regions', 'region', { id: 'ok-region', description: NUL }],
        ['services', 'service', { type: NUL }],
        ['services', 'service', { type: 'ok', name: NUL }],
        ['endpoints', 'endpoint', { service_id: service.id, interface: 'public', url: `http://h/${NUL}` }],
        ['endpoints', 'endpoint', { service_id: service.id, interface: 'public', url: 'http://h/', region: NUL }],
      ];
      for (const [collection, member, attrs] of cases) {
        const before = await count(t, collection);
        const res = await t.inject('POST', `/v3/${collection}`, { token: admin, body: { [member]: attrs } });
        expect({ collection, attrs, status: res.status }).toEqual({ collection, attrs, status: 400 });
        expectFault(res, 400);
        expect(res.json.error.message).toContain('NUL');
        expect(await count(t, collection)).toBe(before);
      }
      const put = await t.inject('PUT', `/v3/regions/${encodeURIComponent(NUL)}`, { token: admin, body: { region: {} } });
      expectFault(put, 400);
      expect((await t.inject('GET', '/v3/regions', { token: admin })).json.regions.map((r: { id: string }) => r.id)).not.toContain(NUL);
    });

    it('are refused in updates and in password changes', async () => {
      const id = await t.createUser('nul-user', 'nul-user-pass', { project: 'admin', role: 'member' });
      expectFault(await t.inject('PATCH', `/v3/users/${id}`, { token: admin, body: { user: { name: NUL } } }), 400);
      expectFault(await t.inject('PATCH', `/v3/users/${id}`, { token: admin, body: { user: { password: 'nul-user-pass\u0000more' } } }), 400);
      const own = await t.tokenFor('nul-user', 'nul-user-pass', 'admin');
      const change = await t.inject('POST', `/v3/users/${id}/password`, { token: own, body: { user: { original_password: 'nul-user-pass', password: 'x\u0000y' } } });
      expectFault(change, 400);
      await expect(t.tokenFor('nul-user', 'nul-user-pass', 'admin')).resolves.toEqual(expect.any(String));
    });

    it('in a password never match a password cut at the NUL (bcrypt reads C strings)', async () => {
      await t.createUser('cut-user', 'cut-user-pass', { project: 'admin', role: 'member' });
      const res = await t.inject('POST', '/v3/auth/tokens', {
        body: { auth: { identity: { methods: ['password'], password: { user: { name: 'cut-user', domain: { id: 'default' }, password: 'cut-user-pass\u0000anything' } } } } },
      });
      expect(res.status).toBe(401);
      expect(res.headers['x-subject-token']).toBeUndefined();
    });
  });

  describe('prototype names and repeated keys in queries', () => {
    const lists = ['users', 'projects', 'domains', 'groups', 'roles', 'regions', 'services', 'endpoints', 'role_assignments'];
    const queries = [
      '__proto__=x',
      'constructor=x',
      'toString=x',
      'name=__proto__',
      'name=constructor',
      'name=toString',
      'name=hasOwnProperty',
      'name=a&name=b',
      'enabled=toString',
      'enabled=true&enabled=false',
      'domain_id=__proto__',
      'domain_id=a&domain_id=b',
      'parent_id=a&parent_id=b',
      'interface=__proto__',
      'interface=a&interface=b',
      'service_id=constructor&service_id=x',
      'region_id=a&region_id=b',
      'parent_region_id=a&parent_region_id=b',
      'user.id=__proto__',
      'scope.system=a&scope.system=b',
      'effective&effective',
      'include_names=constructor',
      '__proto__[x]=1',
      'constructor[prototype][x]=1',
    ];
    it('never answer 500 on any list', async () => {
      for (const list of lists) {
        for (const q of queries) {
          const res = await t.inject('GET', `/v3/${list}?${q}`, { token: admin });
          const shape = res.status >= 400 ? res.json.error?.code === res.status && typeof res.json.error?.message === 'string' : Array.isArray(res.json[list]);
          expect({ list, q, ok: res.status < 500, shape }).toEqual({ list, q, ok: true, shape: true });
        }
      }
      expect(({} as Record<string, unknown>).x).toBeUndefined();
    });

    it('as path ids answer 404 (users, projects, roles, grants, regions)', async () => {
      const member = await idOf(t, 'roles', 'member');
      for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        for (const path of [`users/${name}`, `projects/${name}`, `domains/${name}`, `roles/${name}`, `groups/${name}`, `regions/${name}`, `services/${name}`, `endpoints/${name}`]) {
          const res = await t.inject('GET', `/v3/${path}`, { token: admin });
          expect({ path, status: res.status }).toEqual({ path, status: 404 });
        }
        const grant = await t.inject('PUT', `/v3/projects/${name}/users/${name}/roles/${member}`, { token: admin });
        expect({ name, ok: grant.status === 404 }).toEqual({ name, ok: true });
      }
    });

    it('as names of auth fields are refused or fail authentication, never 500', async () => {
      for (const body of [
        { auth: { identity: { methods: ['__proto__'] } } },
        { auth: { identity: { methods: ['constructor'], constructor: {} } } },
        { auth: { identity: { methods: ['toString'], toString: { id: 'x' } } } },
        { auth: { identity: { methods: ['password'], password: { user: { name: '__proto__', domain: { name: 'constructor' }, password: 'x' } } } } },
        { auth: { identity: { methods: ['password'], password: { user: { id: 'toString', password: 'x' } } } } },
        { auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'x' } } }, scope: { project: { name: '__proto__', domain: { id: 'default' } } } } },
      ]) {
        const res = await t.inject('POST', '/v3/auth/tokens', { body, headers: { 'x-forwarded-for': '192.0.2.99' } });
        expect({ body, ok: res.status === 400 || res.status === 401 }).toEqual({ body, ok: true });
        expectFault(res, res.status);
      }
    });
  });
});
