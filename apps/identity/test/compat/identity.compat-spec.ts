import { openrc, openstack, openstackJson, uniqueName } from '@kumo/testing';

jest.setTimeout(120_000);

/**
 * The real `openstack` client against the running stack (./stack.sh), as a user would drive it.
 * Everything created here has a unique name and is deleted at the end.
 */
describe('identity with the real openstack client', () => {
  const admin = openrc('admin');
  const authUrl = admin.OS_AUTH_URL;
  const created: Array<[string, string]> = [];
  const as = (user: string, password: string, project: string): Record<string, string> => ({
    ...admin,
    OS_USERNAME: user,
    OS_PASSWORD: password,
    OS_PROJECT_NAME: project,
  });

  afterAll(async () => {
    for (const [kind, id] of created.reverse()) await openstack([kind, 'delete', id], admin);
  });

  it('issues a token and lists the whole catalog (what the stack deploys)', async () => {
    const token = await openstackJson(['token', 'issue'], admin);
    expect(token.id).toEqual(expect.any(String));
    expect(token.project_id).toMatch(/^[0-9a-f]{32}$/);
    expect(token.user_id).toMatch(/^[0-9a-f]{32}$/);
    const catalog = await openstackJson<Array<{ Type: string; Endpoints: unknown }>>(['catalog', 'list'], admin);
    expect(catalog.map((c) => c.Type).sort()).toEqual(
      ['compute', 'identity', 'image', 'object-store'].sort(),
    );
    const objectStore = JSON.stringify(catalog.find((c) => c.Type === 'object-store')!.Endpoints);
    expect(objectStore).toContain(`/v1/AUTH_${token.project_id}`);
    expect(JSON.stringify(catalog.find((c) => c.Type === 'compute')!.Endpoints)).toContain('http://127.0.0.1:8774/v2.1');
  });

  it('creates, lists, shows, disables and deletes a project', async () => {
    const name = uniqueName('ct-proj');
    const project = await openstackJson(['project', 'create', '--description', 'compat', name], admin);
    expect(project).toMatchObject({ name, description: 'compat', enabled: true, domain_id: 'default', is_domain: false });
    const list = await openstackJson<Array<{ Name: string }>>(['project', 'list'], admin);
    expect(list.map((p) => p.Name)).toContain(name);
    await expect(openstackJson(['project', 'show', name], admin)).resolves.toMatchObject({ id: project.id, name });
    await expect(openstack(['project', 'set', '--disable', name], admin)).resolves.toMatchObject({ code: 0 });
    await expect(openstackJson(['project', 'show', project.id as string], admin)).resolves.toMatchObject({ enabled: false });
    await expect(openstack(['project', 'delete', name], admin)).resolves.toMatchObject({ code: 0 });
    const after = await openstack(['project', 'show', name], admin);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/No project with a name or ID/);
  });

  it('manages users, passwords, roles and role assignments', async () => {
    const user = uniqueName('ct-user');
    const created1 = await openstackJson(['user', 'create', '--password', 'first-pass', '--project', 'demo', user], admin);
    created.push(['user', created1.id as string]);
    expect(created1).toMatchObject({ name: user, enabled: true, domain_id: 'default' });
    expect(JSON.stringify(created1)).not.toContain('first-pass');

    // no role yet: cannot get a project token
    const denied = await openstack(['token', 'issue'], as(user, 'first-pass', 'demo'));
    expect(denied.code).not.toBe(0);

    await expect(openstack(['role', 'add', '--user', user, '--project', 'demo', 'member'], admin)).resolves.toMatchObject({ code: 0 });
    await expect(openstackJson(['token', 'issue'], as(user, 'first-pass', 'demo'))).resolves.toMatchObject({
      user_id: created1.id,
    });

    const assignments = await openstackJson<Array<Record<string, string>>>(
      ['role', 'assignment', 'list', '--names', '--project', 'demo'],
      admin,
    );
    expect(assignments).toContainEqual(expect.objectContaining({ Role: 'member', User: `${user}@Default`, Project: 'demo@Default' }));

    await expect(openstack(['user', 'set', '--password', 'second-pass', user], admin)).resolves.toMatchObject({ code: 0 });
    const old = await openstack(['token', 'issue'], as(user, 'first-pass', 'demo'));
    expect(old.code).not.toBe(0);
    expect(old.stderr).toContain('The request you have made requires authentication. (HTTP 401)');
    await expect(openstackJson(['token', 'issue'], as(user, 'second-pass', 'demo'))).resolves.toMatchObject({ user_id: created1.id });

    // the user's own change (POST /v3/users/{id}/password with original_password)
    const wrongOriginal = await openstack(['user', 'password', 'set', '--original-password', 'not-it', '--password', 'third-pass'], as(user, 'second-pass', 'demo'));
    expect(wrongOriginal.code).not.toBe(0);
    expect(wrongOriginal.stderr).toContain('(HTTP 401)');
    await expect(openstack(['user', 'password', 'set', '--original-password', 'second-pass', '--password', 'third-pass'], as(user, 'second-pass', 'demo'))).resolves.toMatchObject({ code: 0 });
    expect((await openstack(['token', 'issue'], as(user, 'second-pass', 'demo'))).code).not.toBe(0);
    await expect(openstackJson(['token', 'issue'], as(user, 'third-pass', 'demo'))).resolves.toMatchObject({ user_id: created1.id });
  });

  it('grants access through a group role', async () => {
    const group = uniqueName('ct-group');
    const user = uniqueName('ct-guser');
    const g = await openstackJson(['group', 'create', group], admin);
    created.push(['group', g.id as string]);
    const u = await openstackJson(['user', 'create', '--password', 'gpass-123', user], admin);
    created.push(['user', u.id as string]);
    await expect(openstack(['group', 'add', 'user', group, user], admin)).resolves.toMatchObject({ code: 0 });
    expect((await openstack(['token', 'issue'], as(user, 'gpass-123', 'demo'))).code).not.toBe(0);
    await expect(openstack(['role', 'add', '--group', group, '--project', 'demo', 'reader'], admin)).resolves.toMatchObject({ code: 0 });
    await expect(openstackJson(['token', 'issue'], as(user, 'gpass-123', 'demo'))).resolves.toMatchObject({ user_id: u.id });
  });

  it('creates a domain', async () => {
    const name = uniqueName('ct-domain');
    const d = await openstackJson(['domain', 'create', '--description', 'compat', name], admin);
    expect(d).toMatchObject({ name, enabled: true });
    await expect(openstackJson(['domain', 'show', name], admin)).resolves.toMatchObject({ id: d.id });
    await expect(openstack(['domain', 'set', '--disable', name], admin)).resolves.toMatchObject({ code: 0 });
    await expect(openstack(['domain', 'delete', name], admin)).resolves.toMatchObject({ code: 0 });
  });

  it('creates a project in another domain (project create --domain) and lists domains as projects', async () => {
    const domain = uniqueName('ct-pdom');
    const d = await openstackJson(['domain', 'create', domain], admin);
    const name = uniqueName('ct-dproj');
    const p = await openstackJson(['project', 'create', '--domain', domain, name], admin);
    expect(p).toMatchObject({ name, domain_id: d.id, parent_id: d.id, is_domain: false });
    const inDomain = await openstackJson<Array<{ Name: string }>>(['project', 'list', '--domain', domain], admin);
    expect(inDomain.map((x) => x.Name)).toEqual([name]);
    await expect(openstackJson(['project', 'show', '--domain', domain, name], admin)).resolves.toMatchObject({ id: p.id });
    await expect(openstack(['project', 'delete', '--domain', domain, name], admin)).resolves.toMatchObject({ code: 0 });
    await expect(openstack(['domain', 'set', '--disable', domain], admin)).resolves.toMatchObject({ code: 0 });
    await expect(openstack(['domain', 'delete', domain], admin)).resolves.toMatchObject({ code: 0 });
  });

  it('manages implied roles (implied role create, list, delete)', async () => {
    const prior = uniqueName('ct-prior');
    const implied = uniqueName('ct-implied');
    const r1 = await openstackJson(['role', 'create', prior], admin);
    created.push(['role', r1.id as string]);
    const r2 = await openstackJson(['role', 'create', implied], admin);
    created.push(['role', r2.id as string]);
    await expect(openstackJson(['implied', 'role', 'create', prior, '--implied-role', implied], admin)).resolves.toEqual({ implies: r2.id, prior_role: r1.id });
    const rules = await openstackJson<Array<Record<string, string>>>(['implied', 'role', 'list'], admin);
    expect(rules).toContainEqual({ 'Prior Role ID': r1.id, 'Prior Role Name': prior, 'Implied Role ID': r2.id, 'Implied Role Name': implied });
    expect(rules).toContainEqual(expect.objectContaining({ 'Prior Role Name': 'admin', 'Implied Role Name': 'member' }));
    const dup = await openstack(['implied', 'role', 'create', prior, '--implied-role', implied], admin);
    expect(dup.stderr).toContain('(HTTP 409)');
    await expect(openstack(['implied', 'role', 'delete', prior, '--implied-role', implied], admin)).resolves.toMatchObject({ code: 0 });
    const after = await openstackJson<Array<Record<string, string>>>(['implied', 'role', 'list'], admin);
    expect(after.filter((r) => r['Prior Role ID'] === r1.id)).toEqual([]);
  });

  it('creates the region an endpoint names when it does not exist (endpoint create --region)', async () => {
    const region = uniqueName('ct-region');
    const svc = await openstackJson(['service', 'create', '--name', uniqueName('ct-svc'), uniqueName('ct-type')], admin);
    created.push(['service', svc.id as string]);
    const ep = await openstackJson(['endpoint', 'create', '--region', region, svc.id as string, 'public', 'http://127.0.0.1:9/'], admin);
    expect(ep).toMatchObject({ region, region_id: region });
    await expect(openstackJson(['region', 'show', region], admin)).resolves.toMatchObject({ region });
    await expect(openstack(['endpoint', 'delete', ep.id as string], admin)).resolves.toMatchObject({ code: 0 });
    await expect(openstack(['region', 'delete', region], admin)).resolves.toMatchObject({ code: 0 });
  });

  it('authenticates with an application credential', async () => {
    const name = uniqueName('ct-appcred');
    const cred = await openstackJson(['application', 'credential', 'create', name], admin);
    expect(cred.secret).toEqual(expect.any(String));
    const env = {
      OS_AUTH_URL: authUrl,
      OS_IDENTITY_API_VERSION: '3',
      OS_AUTH_TYPE: 'v3applicationcredential',
      OS_APPLICATION_CREDENTIAL_ID: cred.id as string,
      OS_APPLICATION_CREDENTIAL_SECRET: cred.secret as string,
      OS_REGION_NAME: 'RegionOne',
    };
    const token = await openstackJson(['token', 'issue'], env);
    expect(token.project_id).toBe(cred.project_id);
    const bad = await openstack(['token', 'issue'], { ...env, OS_APPLICATION_CREDENTIAL_SECRET: 'wrong' });
    expect(bad.code).not.toBe(0);
    await expect(openstack(['application', 'credential', 'delete', name], admin)).resolves.toMatchObject({ code: 0 });
    expect((await openstack(['token', 'issue'], env)).code).not.toBe(0);
  });

  it('revokes a token so that it is rejected', async () => {
    const token = await openstackJson(['token', 'issue'], admin);
    const tokenEnv = { OS_AUTH_URL: authUrl, OS_IDENTITY_API_VERSION: '3', OS_AUTH_TYPE: 'token', OS_TOKEN: token.id as string, OS_PROJECT_ID: token.project_id as string };
    await expect(openstackJson(['project', 'show', token.project_id as string], tokenEnv)).resolves.toMatchObject({ id: token.project_id });
    await expect(openstack(['token', 'revoke', token.id as string], admin)).resolves.toMatchObject({ code: 0 });
    const after = await openstack(['project', 'show', token.project_id as string], tokenEnv);
    expect(after.code).not.toBe(0);
    expect(after.stderr).toMatch(/HTTP 401/);
  });

  it('keeps a demo member inside its project', async () => {
    const demo = openrc('demo');
    const users = await openstack(['user', 'list'], demo);
    expect(users.code).not.toBe(0);
    expect(users.stderr).toContain('You are not authorized to perform the requested action: identity:list_users. (HTTP 403)');
    const other = await openstack(['project', 'show', 'admin'], demo);
    expect(other.code).not.toBe(0);
    const change = await openstack(['project', 'set', '--description', 'mine now', 'admin'], demo);
    expect(change.code).not.toBe(0);
    await expect(openstackJson(['project', 'show', 'admin'], admin)).resolves.toMatchObject({ description: expect.not.stringContaining('mine now') });
  });

  it('lets a reader read but not write, and refuses a disabled user like a wrong password', async () => {
    const user = uniqueName('ct-reader');
    const u = await openstackJson(['user', 'create', '--password', 'reader-pass', user], admin);
    created.push(['user', u.id as string]);
    await openstack(['role', 'add', '--user', user, '--project', 'demo', 'reader'], admin);
    const reader = as(user, 'reader-pass', 'demo');
    await expect(openstackJson(['token', 'issue'], reader)).resolves.toMatchObject({ user_id: u.id });
    const write = await openstack(['project', 'create', uniqueName('ct-nope')], reader);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain('(HTTP 403)');

    const wrong = await openstack(['token', 'issue'], as(user, 'not-the-password', 'demo'));
    await openstack(['user', 'set', '--disable', user], admin);
    const disabled = await openstack(['token', 'issue'], reader);
    expect(disabled.code).not.toBe(0);
    expect(disabled.stderr).toContain('(HTTP 401)');
    expect(disabled.stderr.replace(/req-[0-9a-f-]+/g, 'REQ')).toBe(wrong.stderr.replace(/req-[0-9a-f-]+/g, 'REQ'));
  });
});
