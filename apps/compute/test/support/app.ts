import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AuthContext } from '@kumo/auth';
import { createLogger } from '@kumo/common';
import { createTestDatabase, FakeTokenValidator, TestDatabase } from '@kumo/testing';
import { createComputeApp } from '../../src/app';
import { ProjectDirectory, ProjectLookup } from '../../src/clients/identity-projects';
import { computeConfigSections, ComputeConfig } from '../../src/config';
import { COMPUTE_ENTITIES } from '../../src/db/entities';
import { COMPUTE_MIGRATIONS } from '../../src/db/migrations';
import { InMemoryMessaging, Messaging } from '@kumo/messaging';
import { MemoryImages } from './images';

/** Test callers: token → who (admin of p-admin; member and reader of p-demo; a second demo user; member of p-other). */
export const CALLERS: Record<string, { project: string; roles: string[]; userId: string }> = {
  admin: { project: 'p-admin', roles: ['admin', 'member', 'reader'], userId: 'u-admin' },
  demo: { project: 'p-demo', roles: ['member', 'reader'], userId: 'u-demo' },
  demo2: { project: 'p-demo', roles: ['member', 'reader'], userId: 'u-demo2' },
  reader: { project: 'p-demo', roles: ['reader'], userId: 'u-reader' },
  other: { project: 'p-other', roles: ['member', 'reader'], userId: 'u-other' },
};

export const testValidator = new FakeTokenValidator(Object.fromEntries(Object.entries(CALLERS).map(([token, c]) => [token, { projectId: c.project, roles: c.roles, userId: c.userId }])));

/** The projects identity knows, in memory (what IdentityProjectDirectory asks identity's API; tested in the compat tier). */
export class KnownProjects extends ProjectDirectory {
  readonly asked: string[] = [];
  constructor(readonly known: Set<string> = new Set(['p-admin', 'p-demo', 'p-other'])) {
    super();
  }
  async lookup(_auth: AuthContext, projectId: string): Promise<ProjectLookup> {
    this.asked.push(projectId);
    return this.known.has(projectId) ? 'exists' : 'missing';
  }
}

export interface TestComputeApp {
  url: string;
  db: TestDatabase;
  app: NestFastifyApplication;
  config: ComputeConfig;
  projects: KnownProjects;
  as(who: string, path: string, init?: RequestInit): Promise<Response>;
  /** A JSON request as `who`: the status, the headers and the parsed body (undefined when empty; `any` so that tests read fields directly). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(who: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

export function testConfig(overrides: Partial<ComputeConfig['compute']> = {}): ComputeConfig {
  const config = Object.fromEntries(
    Object.entries(computeConfigSections).map(([k, schema]) => [k, (schema as { parse: (v: unknown) => unknown }).parse(k === 'database' ? { url: 'mysql://root@127.0.0.1:3306' } : {})]),
  ) as unknown as ComputeConfig;
  config.compute = { ...config.compute, public_url: 'http://127.0.0.1:8774', ...overrides };
  return config;
}

/** The compute API on a random port with a throwaway database. */
export async function startComputeApp(overrides: Partial<ComputeConfig['compute']> = {}, extra: { bus?: Messaging; images?: MemoryImages } = {}): Promise<TestComputeApp> {
  const config = testConfig(overrides);
  const db = await createTestDatabase('compute', { entities: COMPUTE_ENTITIES, migrations: COMPUTE_MIGRATIONS });
  const projects = new KnownProjects();
  const app = await createComputeApp({ config, dataSource: db.dataSource, validator: testValidator, projects, logger: createLogger('compute-test', process.env.KUMO_TEST_LOG ?? 'silent'), bus: extra.bus ?? new InMemoryMessaging(), images: extra.images ?? new MemoryImages() });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const as: TestComputeApp['as'] = (who, path, init = {}) =>
    fetch(`${url}${path}`, { ...init, headers: { 'x-auth-token': who, accept: 'application/json', ...(init.headers as Record<string, string> | undefined) } });
  return {
    url,
    db,
    app,
    config,
    projects,
    as,
    async json(who, method, path, body, headers = {}) {
      const r = await as(who, path, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await r.text();
      return { status: r.status, headers: r.headers, body: text === '' ? undefined : JSON.parse(text) };
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
