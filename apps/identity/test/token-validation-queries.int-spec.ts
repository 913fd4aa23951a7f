import type { DataSource } from 'typeorm';
import { ChangeFeed } from '../src/services/events';
import { IdentityTestApp, startIdentity } from './helpers/app';

interface Query {
  sql: string;
  params: unknown[];
}

/** Calls `seen` with every SQL statement the data source runs (TypeORM logs each through its logger). */
function record(ds: DataSource, seen: (sql: string, params: unknown[]) => void): void {
  const logger = ds.logger;
  const original = logger.logQuery.bind(logger);
  logger.logQuery = (sql: string, params?: unknown[], runner?: Parameters<typeof original>[2]) => {
    seen(sql, params ?? []);
    return original(sql, params, runner);
  };
}

/**
 * GET /v3/auth/tokens traced to the database: a validation resolves each entity once. With the
 * resolved-token cache off (validation_cache_ttl 0) every validation goes to the database, so the
 * test sees every lookup; with it on, a cached token costs none.
 */
describe('identity token validation: database lookups', () => {
  let t: IdentityTestApp;
  let aliceId: string;
  let demoId: string;
  let alice: string;
  let queries: Query[];

  async function traced(run: () => Promise<void>): Promise<Query[]> {
    queries = [];
    await run();
    return queries;
  }

  const lookups = (qs: Query[], table: string, id: string): number =>
    qs.filter((q) => new RegExp(`FROM \`${table}\``).test(q.sql) && q.params.includes(id)).length;

  beforeAll(async () => {
    t = await startIdentity({ KUMO_IDENTITY_VALIDATION_CACHE_TTL: '0' });
    demoId = await t.createProject('demo');
    aliceId = await t.createUser('alice', 'alice-pass', { project: 'demo', role: 'member' });
    alice = await t.tokenFor('alice', 'alice-pass', 'demo');
    queries = [];
    record(t.db.dataSource, (sql, params) => queries.push({ sql, params }));
  });
  afterAll(async () => {
    await t.close();
  });

  it('a user validating their own token looks up their user, project and domain once', async () => {
    const qs = await traced(async () => {
      const res = await t.inject('GET', '/v3/auth/tokens?nocatalog', { token: alice, headers: { 'x-subject-token': alice } });
      expect(res.status).toBe(200);
      expect(res.json.token.project.id).toBe(demoId);
    });
    expect(lookups(qs, 'user', aliceId)).toBe(1);
    expect(lookups(qs, 'project', demoId)).toBe(1);
    expect(lookups(qs, 'domain', 'default')).toBe(1);
  });

  it("an admin validating another user's token looks up that user and project once", async () => {
    const admin = await t.adminToken();
    const qs = await traced(async () => {
      const res = await t.inject('GET', '/v3/auth/tokens?nocatalog', { token: admin, headers: { 'x-subject-token': alice } });
      expect(res.status).toBe(200);
    });
    expect(lookups(qs, 'user', aliceId)).toBe(1);
    expect(lookups(qs, 'project', demoId)).toBe(1);
    // one lookup of the Default domain per token (the admin's and alice's), not one per user and project
    expect(lookups(qs, 'domain', 'default')).toBe(2);
  });

  it("shows the project's own domain when it is not the user's", async () => {
    const admin = await t.adminToken();
    const domain = await t.inject('POST', '/v3/domains', { token: admin, body: { domain: { name: 'elsewhere' } } });
    const project = await t.inject('POST', '/v3/projects', { token: admin, body: { project: { name: 'far', domain_id: domain.json.domain.id } } });
    const role = (await t.inject('GET', '/v3/roles?name=member', { token: admin })).json.roles[0];
    const grant = await t.inject('PUT', `/v3/projects/${project.json.project.id}/users/${aliceId}/roles/${role.id}`, { token: admin });
    expect(grant.status).toBe(204);
    const issued = await t.inject('POST', '/v3/auth/tokens?nocatalog', {
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: { id: aliceId, password: 'alice-pass' } } },
          scope: { project: { id: project.json.project.id } },
        },
      },
    });
    expect(issued.status).toBe(201);
    const token = issued.headers['x-subject-token'] as string;
    const res = await t.inject('GET', '/v3/auth/tokens?nocatalog', { token: admin, headers: { 'x-subject-token': token } });
    expect(res.json.token.project.domain).toEqual({ id: domain.json.domain.id, name: 'elsewhere' });
    expect(res.json.token.user.domain).toEqual({ id: 'default', name: 'Default' });
  });

  it('a token resolved once is served from the cache when the cache is on', async () => {
    const cached = await startIdentity();
    try {
      const token = await cached.tokenFor('admin', 'admin-secret-pass', 'admin');
      cached.app.get(ChangeFeed).changed();
      const seen: string[] = [];
      record(cached.db.dataSource, (sql) => seen.push(sql));
      const first = await cached.inject('GET', '/v3/auth/tokens?nocatalog', { token, headers: { 'x-subject-token': token } });
      expect(first.status).toBe(200);
      const afterFirst = seen.length;
      const second = await cached.inject('GET', '/v3/auth/tokens?nocatalog', { token, headers: { 'x-subject-token': token } });
      expect(second.status).toBe(200);
      expect(seen.length - afterFirst).toBe(0);
    } finally {
      await cached.close();
    }
  });
});
