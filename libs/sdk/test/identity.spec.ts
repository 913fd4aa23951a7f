import {
  EndpointNotFound,
  IdentityClient,
  InvalidResponse,
  isNotFound,
  RequestRefused,
  ResourceNotFound,
  ServiceSession,
} from '../src';
import { FakeService, json } from './support/fake-service';

const PROJECT = {
  id: 'p1',
  name: 'demo',
  domain_id: 'default',
  enabled: true,
  description: '',
  parent_id: 'default',
  is_domain: false,
  tags: [],
};
const USER = {
  id: 'u 1',
  name: 'alice',
  domain_id: 'default',
  enabled: true,
  default_project_id: 'p1',
  password_expires_at: null,
};

describe('IdentityClient', () => {
  const idp = new FakeService();
  beforeAll(() => idp.start());
  afterAll(() => idp.stop());
  beforeEach(() => idp.reset());
  const client = () =>
    new IdentityClient(
      new ServiceSession({
        authUrl: `${idp.url}/v3`,
        username: 'kumo',
        password: 'pw',
        projectName: 'service',
      }),
    );

  it('shows a project and a user by id, with the session token, the id percent-encoded', async () => {
    idp.on('GET', /^\/v3\/projects\/p1$/, (_req, res) =>
      json(res, 200, { project: { ...PROJECT, links: { self: 'x' } } }),
    );
    idp.on('GET', /^\/v3\/users\/u%201$/, (_req, res) => json(res, 200, { user: USER }));
    const identity = client();
    await expect(identity.project('p1')).resolves.toMatchObject(PROJECT);
    await expect(identity.user('u 1')).resolves.toEqual(USER);
    expect(idp.calls().map((r) => [r.method, r.url, r.headers['x-auth-token']])).toEqual([
      ['GET', '/v3/projects/p1', 'svc-1'],
      ['GET', '/v3/users/u%201', 'svc-1'],
    ]);
  });

  it("throws ResourceNotFound with Keystone's message for a 404, RequestRefused for a 403", async () => {
    idp.on('GET', /^\/v3\/projects\/gone$/, (_req, res) =>
      json(res, 404, { error: { code: 404, title: 'Not Found', message: 'Could not find project: gone.' } }),
    );
    idp.on('GET', /^\/v3\/users\/secret$/, (_req, res) =>
      json(res, 403, {
        error: {
          code: 403,
          title: 'Forbidden',
          message: 'You are not authorized to perform the requested action: identity:get_user.',
        },
      }),
    );
    const identity = client();
    const gone = await identity.project('gone').catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(ResourceNotFound);
    expect(isNotFound(gone)).toBe(true);
    expect((gone as Error).message).toBe(
      'identity, showing project gone: HTTP 404 (Could not find project: gone.)',
    );
    const refused = await identity.user('secret').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RequestRefused);
    expect(isNotFound(refused)).toBe(false);
    expect(refused).toMatchObject({
      status: 403,
      detail: 'You are not authorized to perform the requested action: identity:get_user.',
    });
  });

  it('says when an answer is not what Keystone sends', async () => {
    idp.on(
      'GET',
      /^\/v3\/projects\/html$/,
      (_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>proxy</html>'),
    );
    idp.on('GET', /^\/v3\/projects\/empty$/, (_req, res) => json(res, 200, { user: USER }));
    await expect(client().project('html')).rejects.toThrow(
      new InvalidResponse('identity, showing project html', 'the answer is not JSON'),
    );
    await expect(client().project('empty')).rejects.toThrow(
      'identity, showing project empty: the answer has no "project" object',
    );
  });

  it('lists role assignments with the filters, effective and include_names as bare flags', async () => {
    const assignments = [
      {
        role: { id: 'r1', name: 'member' },
        user: { id: 'u1' },
        scope: { project: { id: 'p1' } },
        links: { assignment: 'a' },
      },
      {
        role: { id: 'r2', name: 'reader' },
        user: { id: 'u1' },
        scope: { project: { id: 'p1' } },
        links: { assignment: 'a', prior_role: 'r1' },
      },
      {
        role: { id: 'r1', name: 'member' },
        user: { id: 'u1' },
        scope: { project: { id: 'p1' } },
        links: { assignment: 'b', membership: 'g' },
      },
    ];
    idp.on('GET', /^\/v3\/role_assignments/, (_req, res) =>
      json(res, 200, { role_assignments: assignments, links: { self: 'x', next: null } }),
    );
    const identity = client();
    await expect(identity.roleAssignments({ userId: 'u1', projectId: 'p1', roleId: 'r1' })).resolves.toEqual(
      assignments,
    );
    await expect(identity.projectRoles('u1', 'p1')).resolves.toEqual(['member', 'reader']);
    await expect(identity.hasProjectRole('u1', 'p1', 'reader')).resolves.toBe(true);
    await expect(identity.hasProjectRole('u1', 'p1', 'admin')).resolves.toBe(false);
    await identity.roleAssignments({ groupId: 'g', domainId: 'd', system: true });
    expect(idp.calls().map((r) => r.url)).toEqual([
      '/v3/role_assignments?user.id=u1&role.id=r1&scope.project.id=p1',
      '/v3/role_assignments?user.id=u1&scope.project.id=p1&effective&include_names',
      '/v3/role_assignments?user.id=u1&scope.project.id=p1&effective&include_names',
      '/v3/role_assignments?user.id=u1&scope.project.id=p1&effective&include_names',
      '/v3/role_assignments?group.id=g&scope.domain.id=d&scope.system=all',
    ]);
  });

  it('reads the catalog from identity now (GET /v3/auth/catalog) and finds endpoints in it', async () => {
    const catalog = [
      {
        type: 'image',
        name: 'glance',
        endpoints: [{ interface: 'internal', region_id: 'RegionOne', url: 'http://10.0.0.9:9292/' }],
      },
    ];
    idp.on('GET', /^\/v3\/auth\/catalog$/, (_req, res) => json(res, 200, { catalog, links: { self: 'x' } }));
    const identity = client();
    await expect(identity.catalog()).resolves.toEqual(catalog);
    await expect(identity.endpoint('image', { interface: 'internal' })).resolves.toBe('http://10.0.0.9:9292');
    await expect(identity.endpoint('compute')).rejects.toThrow(
      new EndpointNotFound('the catalog has no compute service (it has: image)'),
    );
  });

  it('validates a token to its typed body, and refuses a 200 without a token in it', async () => {
    const token = {
      methods: ['password'],
      user: { id: 'u1', name: 'alice', domain: { id: 'default', name: 'Default' } },
      audit_ids: ['a'],
      expires_at: '2030-01-01T00:00:00.000000Z',
      issued_at: '2029-12-31T23:00:00.000000Z',
    };
    idp.on('GET', /^\/v3\/auth\/tokens\?nocatalog$/, (req, res) =>
      req.headers['x-subject-token'] === 'good'
        ? json(res, 200, { token })
        : req.headers['x-subject-token'] === 'odd'
          ? json(res, 200, { user: {} })
          : json(res, 404, {}),
    );
    const identity = client();
    await expect(identity.validateToken('good')).resolves.toEqual({ token });
    await expect(identity.validateToken('bad')).resolves.toBeNull();
    await expect(identity.validateToken('odd')).rejects.toThrow(InvalidResponse);
  });
});
