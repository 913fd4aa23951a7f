import { createLogger } from '@kumo/common';
import { openrc } from '@kumo/testing';
import { IdentityClient, IdentityRefused } from '../../src/clients/identity.client';
import { AuthService } from '../../src/services/auth.service';
import { Session, SessionStore } from '../../src/services/session.store';

jest.setTimeout(60_000);

/** The dashboard's login, project scope and logout against the running stack's identity. */
describe('dashboard sessions against identity', () => {
  const admin = openrc('admin');
  const demo = openrc('demo');
  const identity = new IdentityClient(admin.OS_AUTH_URL);
  const auth = new AuthService(identity, new SessionStore({ idleTimeoutMs: 60_000, maxSessions: 10 }), createLogger('dashboard-test', 'silent'));
  let adminSession: Session;
  let adminToken: string;

  beforeAll(async () => {
    adminSession = await auth.login('Default', admin.OS_USERNAME, admin.OS_PASSWORD);
    adminToken = adminSession.scoped.id;
  });
  afterAll(() => auth.logout(adminSession));

  /** Identity's verdict on a token, asked with the admin's: 200 valid, 404 revoked or unknown. */
  async function validity(token: string): Promise<number> {
    const res = await fetch(`${identity.v3}/auth/tokens?nocatalog`, { headers: { 'x-auth-token': adminToken, 'x-subject-token': token } });
    await res.body?.cancel();
    return res.status;
  }

  it('logs in without scope, then scopes to the user’s project with a catalog', async () => {
    const s = await auth.login('Default', demo.OS_USERNAME, demo.OS_PASSWORD);
    expect(s.unscoped.project).toBeUndefined();
    expect(s.scoped.project?.name).toBe(demo.OS_PROJECT_NAME);
    expect(s.scoped.roles).toContain('member');
    expect(s.scoped.roles).not.toContain('admin');
    expect(s.scoped.catalog.map((c) => c.type)).toEqual(expect.arrayContaining(['identity', 'compute', 'image']));
    expect(s.projects.map((p) => p.name)).toContain(demo.OS_PROJECT_NAME);
    expect(await validity(s.scoped.id)).toBe(200);
    await auth.logout(s);
  });

  it('answers identity’s own refusal for a wrong password', async () => {
    const err = await auth.login('Default', demo.OS_USERNAME, 'not-the-password').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdentityRefused);
    expect((err as IdentityRefused).status).toBe(401);
    expect((err as Error).message).toMatch(/authenticat/i);
  });

  it('refuses a project the user has no role on, and a missing domain', async () => {
    const s = await auth.login('Default', demo.OS_USERNAME, demo.OS_PASSWORD);
    const adminProject = adminSession.scoped.project!.id;
    await expect(auth.switchProject(s, adminProject)).rejects.toThrow(/no role on project/);
    await expect(auth.login('Default', demo.OS_USERNAME, demo.OS_PASSWORD, adminProject)).rejects.toThrow(/no role on project/);
    await expect(auth.login('no-such-domain', demo.OS_USERNAME, demo.OS_PASSWORD)).rejects.toBeInstanceOf(IdentityRefused);
    // the same project again: a new scoped token, the old one revoked
    const before = s.scoped.id;
    await auth.switchProject(s, s.scoped.project!.id);
    expect(s.scoped.id).not.toBe(before);
    await waitFor(async () => (await validity(before)) === 404);
    await auth.logout(s);
  });

  it('logout revokes both tokens at identity', async () => {
    const s = await auth.login('Default', demo.OS_USERNAME, demo.OS_PASSWORD);
    const { scoped, unscoped } = s;
    expect(await validity(scoped.id)).toBe(200);
    await auth.logout(s);
    expect(await validity(scoped.id)).toBe(404);
    expect(await validity(unscoped.id)).toBe(404);
    expect(auth.sessions.get(s.id)).toBeUndefined();
  });
});

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
