import { IdentityTestApp, startIdentity } from './helpers/app';
import { HEX32, idOf, isValid, keystoneError, URL_BASE } from './helpers/resources';

describe('/v3/users/{id}/application_credentials', () => {
  let t: IdentityTestApp;
  let admin: string;
  let demo: string;
  let hankId: string;
  let hank: string;
  const role: Record<string, string> = {};
  beforeAll(async () => {
    t = await startIdentity();
    admin = await t.adminToken();
    demo = await t.createProject('demo');
    hankId = await t.createUser('hank', 'hank-pass', { project: 'demo', role: 'member' });
    hank = await t.tokenFor('hank', 'hank-pass', 'demo');
    for (const name of ['admin', 'member', 'reader']) role[name] = await idOf(t, 'roles', name);
  });
  afterAll(async () => {
    await t.close();
  });

  const path = (userId = hankId) => `/v3/users/${userId}/application_credentials`;
  const authWith = (credential: Record<string, unknown>) =>
    t.inject('POST', '/v3/auth/tokens?nocatalog', { body: { auth: { identity: { methods: ['application_credential'], application_credential: credential } } } });

  it('creates one with the token’s roles and a secret shown once, in Keystone’s shape', async () => {
    // what `openstack application credential create ci` sends
    const res = await t.inject('POST', path(), { token: hank, body: { application_credential: { name: 'ci', unrestricted: false } } });
    expect(res.status).toBe(201);
    const cred = res.json.application_credential;
    expect(cred).toEqual({
      id: expect.stringMatching(HEX32),
      name: 'ci',
      description: null,
      project_id: demo,
      expires_at: null,
      unrestricted: false,
      roles: [
        { id: role.member, name: 'member', domain_id: null },
        { id: role.reader, name: 'reader', domain_id: null },
      ],
      access_rules: [],
      secret: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
      links: { self: `${URL_BASE}/users/${hankId}/application_credentials/${cred.id}` },
    });
    const { secret, ...shown } = cred;
    const listed = await t.inject('GET', path(), { token: hank });
    expect(listed.json).toEqual({ application_credentials: [shown], links: { self: `${URL_BASE}${path().slice(3)}`, previous: null, next: null } });
    expect(listed.body).not.toContain(secret);
    await expect(t.inject('GET', `${path()}/${cred.id}`, { token: hank })).resolves.toMatchObject({ status: 200, json: { application_credential: shown } });
    await expect(t.inject('GET', `${path()}?name=ci`, { token: hank })).resolves.toMatchObject({ json: { application_credentials: [{ id: cred.id }] } });
    await expect(t.inject('GET', `${path()}?name=other`, { token: hank })).resolves.toMatchObject({ json: { application_credentials: [] } });
    // find-by-name: GET by name is a 404 first
    const byName = await t.inject('GET', `${path()}/ci`, { token: hank });
    expect(byName.json).toEqual(keystoneError(404, 'Not Found', 'Could not find Application Credential: ci.'));

    const auth = await authWith({ id: cred.id, secret });
    expect(auth.status).toBe(201);
    expect(auth.json.token).toMatchObject({ methods: ['application_credential'], project: { id: demo }, application_credential: { id: cred.id, name: 'ci', restricted: true } });
    expect((await authWith({ id: cred.id, secret: 'wrong' })).status).toBe(401);
    const dup = await t.inject('POST', path(), { token: hank, body: { application_credential: { name: 'ci' } } });
    expect(dup.status).toBe(409);
  });

  it('delegates the roles asked for (with the roles they imply), a given secret and an expiry', async () => {
    const res = await t.inject('POST', path(), {
      token: hank,
      body: { application_credential: { name: 'scoped', description: 'member only', secret: 'my-own-secret', expires_at: '2099-01-02T03:04:05', roles: [{ name: 'member' }] } },
    });
    expect(res.status).toBe(201);
    expect(res.json.application_credential).toMatchObject({
      description: 'member only',
      secret: 'my-own-secret',
      expires_at: '2099-01-02T03:04:05.000000Z',
      roles: [
        { id: role.member, name: 'member', domain_id: null },
        { id: role.reader, name: 'reader', domain_id: null },
      ],
    });
    const byId = await t.inject('POST', path(), { token: hank, body: { application_credential: { name: 'reader-only', roles: [{ id: role.reader }] } } });
    expect(byId.json.application_credential.roles).toEqual([{ id: role.reader, name: 'reader', domain_id: null }]);
    const auth = await authWith({ id: byId.json.application_credential.id, secret: byId.json.application_credential.secret });
    expect(auth.json.token.roles.map((r: { name: string }) => r.name)).toEqual(['reader']);
    await expect(authWith({ name: 'scoped', user: { id: hankId }, secret: 'my-own-secret' })).resolves.toMatchObject({ status: 201 });
  });

  it('keeps the microseconds of a given expires_at and always answers in UTC with a Z', async () => {
    for (const [given, shown] of [
      ['2099-01-02T03:04:05.123456Z', '2099-01-02T03:04:05.123456Z'],
      ['2099-01-02T03:04:05.000001', '2099-01-02T03:04:05.000001Z'],
      ['2099-01-02T03:04:05.5+01:00', '2099-01-02T02:04:05.500000Z'],
      ['2099-01-02 03:04', '2099-01-02T03:04:00.000000Z'],
    ]) {
      const res = await t.inject('POST', path(), { token: hank, body: { application_credential: { name: `exp-${given}`, expires_at: given } } });
      expect({ given, status: res.status, shown: res.json.application_credential.expires_at }).toEqual({ given, status: 201, shown });
      const again = await t.inject('GET', `${path()}/${res.json.application_credential.id}`, { token: hank });
      expect(again.json.application_credential.expires_at).toBe(shown);
    }
  });

  it('refuses roles the token does not hold, unknown roles, bad bodies and past expiries, writing nothing', async () => {
    const create = (body: unknown) => t.inject('POST', path(), { token: hank, body });
    const notHeld = await create({ application_credential: { name: 'adm', roles: [{ name: 'admin' }] } });
    expect(notHeld.status).toBe(403);
    expect(notHeld.json.error.message).toContain('Cannot create an application credential with unassigned role');
    // osc sends the name it was given as an id when the token does not hold the role
    expect((await create({ application_credential: { name: 'adm', roles: [{ id: 'admin' }] } })).status).toBe(403);
    expect((await create({ application_credential: { name: 'adm', roles: [{ id: role.admin }] } })).status).toBe(403);
    const unknown = await create({ application_credential: { name: 'x', roles: [{ name: 'norole' }] } });
    expect(unknown.json).toEqual(keystoneError(404, 'Not Found', 'Could not find role: norole.'));
    for (const body of [
      {},
      { application_credential: {} },
      { application_credential: { name: 'x', roles: [{ id: role.member, name: 'member' }] } },
      { application_credential: { name: 'x', roles: [{}] } },
      { application_credential: { name: 'x', unknown_key: 1 } },
      { application_credential: { name: 'x', unrestricted: 'yes' } },
      { application_credential: { name: 'x', expires_at: 'tomorrow' } },
      { application_credential: { name: 'x', expires_at: '2001-01-01T00:00:00Z' } },
      { application_credential: { name: 'x', access_rules: [{ service: 'compute', path: '/', method: 'GET' }] } },
      { application_credential: { name: 'x' }, more: 1 },
    ]) {
      const res = await create(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    const names = (await t.inject('GET', path(), { token: hank })).json.application_credentials.map((c: { name: string }) => c.name);
    expect(names).not.toContain('x');
    expect(names).not.toContain('adm');
  });

  it('lets only the user create them; admins may list and delete them; others see nothing', async () => {
    const ivyId = await t.createUser('ivy', 'ivy-pass', { project: 'demo', role: 'member' });
    const ivy = await t.tokenFor('ivy', 'ivy-pass', 'demo');
    const forHank = await t.inject('POST', path(), { token: ivy, body: { application_credential: { name: 'not-mine' } } });
    expect(forHank.status).toBe(403);
    expect((await t.inject('POST', path(), { token: admin, body: { application_credential: { name: 'not-mine' } } })).status).toBe(403);
    expect((await t.inject('GET', path(), { token: ivy })).status).toBe(403);

    const hanks = (await t.inject('GET', path(), { token: admin })).json.application_credentials as Array<{ id: string }>;
    expect(hanks.length).toBeGreaterThan(0);
    expect((await t.inject('GET', `${path()}/${hanks[0].id}`, { token: ivy })).status).toBe(403);
    // someone else's credential under one's own path is not found
    expect((await t.inject('GET', `${path(ivyId)}/${hanks[0].id}`, { token: ivy })).status).toBe(404);
    expect((await t.inject('DELETE', `${path(ivyId)}/${hanks[0].id}`, { token: ivy })).status).toBe(404);

    const victim = await t.inject('POST', path(), { token: hank, body: { application_credential: { name: 'to-be-removed' } } });
    expect((await t.inject('DELETE', `${path()}/${victim.json.application_credential.id}`, { token: admin })).status).toBe(204);
  });

  it('keeps a restricted credential from managing credentials; an unrestricted one may', async () => {
    const restricted = (await t.inject('POST', path(), { token: hank, body: { application_credential: { name: 'restricted' } } })).json.application_credential;
    const unrestricted = (await t.inject('POST', path(), { token: hank, body: { application_credential: { name: 'free', unrestricted: true } } })).json.application_credential;
    const rToken = (await authWith({ id: restricted.id, secret: restricted.secret })).headers['x-subject-token'] as string;
    const uToken = (await authWith({ id: unrestricted.id, secret: unrestricted.secret })).headers['x-subject-token'] as string;

    const nested = await t.inject('POST', path(), { token: rToken, body: { application_credential: { name: 'nested' } } });
    expect(nested.status).toBe(403);
    expect(nested.json.error.message).toContain("Using method 'application_credential' is not allowed");
    expect((await t.inject('DELETE', `${path()}/${unrestricted.id}`, { token: rToken })).status).toBe(403);
    await expect(t.inject('POST', path(), { token: uToken, body: { application_credential: { name: 'nested-ok' } } })).resolves.toMatchObject({ status: 201 });
  });

  it('revokes the credential’s tokens when it is deleted', async () => {
    const cred = (await t.inject('POST', path(), { token: hank, body: { application_credential: { name: 'short' } } })).json.application_credential;
    const acToken = (await authWith({ id: cred.id, secret: cred.secret })).headers['x-subject-token'] as string;
    await expect(isValid(t, acToken)).resolves.toBe(true);
    expect((await t.inject('DELETE', `${path()}/${cred.id}`, { token: hank })).status).toBe(204);
    await expect(isValid(t, acToken)).resolves.toBe(false);
    await expect(isValid(t, hank)).resolves.toBe(true);
    expect(t.events.at(-1)?.payload).toMatchObject({ applicationCredentialId: cred.id });
    expect((await authWith({ id: cred.id, secret: cred.secret })).status).toBe(401);
    expect((await t.inject('DELETE', `${path()}/${cred.id}`, { token: hank })).status).toBe(404);
  });
});
