import { httpRoutes } from '@kumo/common';
import {
  closeAgent,
  expandRoutes,
  FuzzTarget,
  keystoneFault,
  tableCounts,
  itFuzzesEveryKind,
} from '@kumo/testing';
import { IdentityTestApp, startIdentity } from '../helpers/app';

/**
 * The fuzz tier for identity: every route Fastify registered, with malformed input (libs/testing),
 * over a real port, as the bootstrap admin (and with no or a bad token). No 5xx, Keystone's fault
 * body and a request id on every answer, nothing created on a refusal, GET /v3 answers meanwhile.
 */
describe('identity fuzz', () => {
  let t: IdentityTestApp;
  let target: FuzzTarget;

  beforeAll(async () => {
    t = await startIdentity();
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as { port: number };
    const token = await t.adminToken();
    const get = async (path: string, key: string): Promise<Array<{ id: string; name?: string }>> =>
      (await t.inject('GET', path, { token })).json[key];
    const adminUser = (await get('/v3/users?name=admin', 'users'))[0].id;
    const groupRes = await t.inject('POST', '/v3/groups', {
      token,
      body: { group: { name: 'fuzz-group', domain_id: 'default' } },
    });
    const credRes = await t.inject('POST', `/v3/users/${adminUser}/application_credentials`, {
      token,
      body: { application_credential: { name: 'fuzz-cred' } },
    });
    const fixtures: Record<string, string> = {
      projects: (await get('/v3/projects?name=admin', 'projects'))[0].id,
      domains: 'default',
      users: adminUser,
      groups: groupRes.json.group.id,
      roles: (await get('/v3/roles?name=admin', 'roles'))[0].id,
      regions: (await get('/v3/regions', 'regions'))[0].id,
      services: (await get('/v3/services', 'services'))[0].id,
      endpoints: (await get('/v3/endpoints', 'endpoints'))[0].id,
      application_credentials: credRes.json.application_credential.id,
    };
    const authBody = (inner: unknown): [string, string] => [
      'application/json',
      JSON.stringify({ auth: inner }),
    ];
    target = {
      baseUrl: `http://127.0.0.1:${port}`,
      routes: expandRoutes(httpRoutes(t.app).map((r) => ({ method: r.method, path: r.url }))),
      fault: keystoneFault,
      probe: { method: 'GET', path: '/v3' },
      snapshot: () => tableCounts((sql) => t.db.dataSource.query(sql)),
      cases: {
        fixtures,
        auth: { 'x-auth-token': token },
        perRoute: { params: 12, query: 16 },
        bodyKey: (route) =>
          (route.path.endsWith('/auth/tokens')
            ? 'auth'
            : route.path.endsWith('/password')
              ? 'user'
              : undefined) ?? defaultKey(route.path),
        extraBodies: (route) =>
          route.path === '/v3/auth/tokens' && route.method === 'POST'
            ? [
                authBody({
                  identity: {
                    methods: ['password'],
                    password: { user: { name: 'admin', domain: { id: 'default' }, password: 'wrong' } },
                  },
                }),
                authBody({ identity: { methods: ['__proto__'] } }),
                authBody({ identity: { methods: ['token'], token: { id: '__proto__' } } }),
                authBody({
                  identity: { methods: ['password'], password: { user: { id: 'a\u0000b', password: 'x' } } },
                }),
                authBody({
                  identity: {
                    methods: ['password'],
                    password: { user: { name: 'admin', domain: { name: '__proto__' }, password: 'x' } },
                  },
                }),
                authBody({
                  identity: {
                    methods: ['application_credential'],
                    application_credential: { id: 'constructor', secret: 'x' },
                  },
                }),
                authBody({
                  identity: { methods: ['token'], token: { id: token } },
                  scope: { project: { id: '__proto__' } },
                }),
                authBody({
                  identity: { methods: ['token'], token: { id: token } },
                  scope: { system: { all: 'maybe' } },
                }),
              ]
            : [],
      },
    };
  }, 60_000);

  afterAll(async () => {
    closeAgent();
    await t?.close();
  });

  it('reads its routes from the app', () => {
    expect(target.routes.length).toBeGreaterThan(80);
    expect(target.routes).toContainEqual({
      method: 'PUT',
      path: '/v3/projects/:targetId/users/:actorId/roles/:roleId',
    });
  });

  itFuzzesEveryKind(() => target, 'Keystone');
});

function defaultKey(path: string): string | undefined {
  const last = path
    .split('/')
    .filter((s) => s && !s.startsWith(':') && !/^v\d/.test(s))
    .pop();
  return last?.replace(/ies$/, 'y').replace(/s$/, '');
}
