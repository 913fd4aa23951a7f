import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OutgoingHttpHeaders } from 'node:http';
import { createHttpApp, createLogger, loadConfig } from '@kumo/common';
import type { Messaging } from '@kumo/messaging';
import { createTestDatabase, TestDatabase } from '@kumo/testing';
import { connectBus, followCatalogChanges, followRevocations } from '../../src/bus';
import { identityConfigSections, IdentityConfig } from '../../src/config';
import { IDENTITY_ENTITIES } from '../../src/db/entities';
import { IDENTITY_MIGRATIONS } from '../../src/db/migrations';
import { IdentityApiModule } from '../../src/identity-api.module';
import { BootstrapService } from '../../src/services/bootstrap.service';
import { CatalogService } from '../../src/services/catalog.service';
import { EventPublisher } from '../../src/services/events';
import { Clock } from '../../src/services/primitives';
import { RevocationService } from '../../src/services/revocation.service';

export const ADMIN_PASSWORD = 'admin-secret-pass';
export const PUBLIC_URL = 'http://127.0.0.1:5000';

export interface Published {
  eventType: string;
  payload: Record<string, unknown>;
}

export interface InjectOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** The client's address (default 127.0.0.1): the source the failed-authentication limit counts by. */
  remoteAddress?: string;
}

export interface InjectResult {
  status: number;
  headers: OutgoingHttpHeaders;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface IdentityTestApp {
  app: NestFastifyApplication;
  config: IdentityConfig;
  db: TestDatabase;
  events: Published[];
  inject(method: string, url: string, opts?: InjectOptions): Promise<InjectResult>;
  /** A project-scoped token of the bootstrap admin. */
  adminToken(): Promise<string>;
  /** Password auth scoped to a project (by name, in the Default domain); throws unless 201. */
  tokenFor(user: string, password: string, project?: string): Promise<string>;
  /** Creates a user in Default with a password and optionally a role on a project; returns its id. */
  createUser(name: string, password: string, grant?: { project: string; role: string }): Promise<string>;
  /** Creates a project in Default; returns its id. */
  createProject(name: string): Promise<string>;
  /** Project `demo` and user `dora` (password `dora-pass`), a member there, with her token on it: most specs' other caller. */
  demoMember(): Promise<{ demoId: string; doraId: string; dora: string }>;
  close(): Promise<void>;
}

class RecordingPublisher extends EventPublisher {
  readonly events: Published[] = [];
  constructor(private readonly forward?: EventPublisher) {
    super();
  }
  async publish(eventType: string, payload: Record<string, unknown>): Promise<void> {
    this.events.push({ eventType, payload });
    await this.forward?.publish(eventType, payload);
  }
}

export interface StartOptions {
  clock?: Clock;
  /** A bus (libs/messaging's in-memory one): events are published on it and catalog changes followed, as main.api.ts does. */
  messaging?: Messaging;
  /** Another app's database (a second identity process); it is dropped by its owner only. */
  database?: TestDatabase;
}

/**
 * A real identity API on a throwaway database (migrated, bootstrapped), driven with Fastify's
 * inject (no port). bcrypt cost 4 keeps the tests fast; everything else is as in production.
 */
export async function startIdentity(env: Record<string, string> = {}, opts: StartOptions = {}): Promise<IdentityTestApp> {
  const db = opts.database ?? (await createTestDatabase('identity', { entities: IDENTITY_ENTITIES, migrations: IDENTITY_MIGRATIONS }));
  const keyDir = mkdtempSync(join(tmpdir(), 'kumo-identity-keys-'));
  const config = loadConfig(identityConfigSections, {
    file: join(keyDir, 'no-such-config.yaml'),
    env: {
      KUMO_IDENTITY_KEY_REPOSITORY: join(keyDir, 'keys'),
      KUMO_IDENTITY_PASSWORD_HASH_ROUNDS: '4',
      KUMO_IDENTITY_PUBLIC_URL: PUBLIC_URL,
      KUMO_IDENTITY_SERVICE_PASSWORD: 'service-secret-pass',
      ...env,
    },
  });
  const logger = createLogger('identity', 'silent');
  const bus = opts.messaging ? await connectBus(config, logger, opts.messaging) : undefined;
  const publisher = new RecordingPublisher(bus?.publisher);
  const app = await createHttpApp(IdentityApiModule.register({ config, dataSource: db.dataSource, publisher, clock: opts.clock }), {
    service: 'identity',
    faultStyle: 'keystone',
    logger,
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  // no poll during a test: what reaches another process arrives through the bus
  await app.get(RevocationService).start({ withoutEventsMs: 60_000 });
  const catalogFeed = bus ? await followCatalogChanges(bus, app.get(CatalogService), logger) : undefined;
  const revocationFeed = bus ? await followRevocations(bus, app.get(RevocationService), logger) : undefined;
  await app.get(BootstrapService).run({ adminPassword: ADMIN_PASSWORD });

  const inject = async (method: string, url: string, opts: InjectOptions = {}): Promise<InjectResult> => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers['x-auth-token'] = opts.token;
    let payload: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    const res = await app.inject({ method: method as 'GET', url, headers, payload, ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}) });
    let json: unknown;
    try {
      json = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, body: res.body, json };
  };

  const tokenFor = async (user: string, password: string, project?: string): Promise<string> => {
    const res = await inject('POST', '/v3/auth/tokens?nocatalog', {
      body: {
        auth: {
          identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } },
          ...(project ? { scope: { project: { name: project, domain: { id: 'default' } } } } : {}),
        },
      },
    });
    if (res.status !== 201) throw new Error(`token for ${user} failed: ${res.status} ${res.body}`);
    return res.headers['x-subject-token'] as string;
  };

  let admin: string | undefined;
  const adminToken = async (): Promise<string> => (admin ??= await tokenFor('admin', ADMIN_PASSWORD, 'admin'));

  const createProject = async (name: string): Promise<string> => {
    const res = await inject('POST', '/v3/projects', { token: await adminToken(), body: { project: { name } } });
    if (res.status !== 201) throw new Error(`create project ${name}: ${res.status} ${res.body}`);
    return res.json.project.id;
  };

  const createUser = async (name: string, password: string, grant?: { project: string; role: string }): Promise<string> => {
    const token = await adminToken();
    const res = await inject('POST', '/v3/users', { token, body: { user: { name, password, domain_id: 'default' } } });
    if (res.status !== 201) throw new Error(`create user ${name}: ${res.status} ${res.body}`);
    const id = res.json.user.id as string;
    if (grant) {
      const project = (await inject('GET', `/v3/projects?name=${encodeURIComponent(grant.project)}`, { token })).json.projects[0];
      const role = (await inject('GET', `/v3/roles?name=${grant.role}`, { token })).json.roles[0];
      const put = await inject('PUT', `/v3/projects/${project.id}/users/${id}/roles/${role.id}`, { token });
      if (put.status !== 204) throw new Error(`grant ${grant.role} on ${grant.project}: ${put.status} ${put.body}`);
    }
    return id;
  };

  const demoMember = async () => {
    const demoId = await createProject('demo');
    const doraId = await createUser('dora', 'dora-pass', { project: 'demo', role: 'member' });
    return { demoId, doraId, dora: await tokenFor('dora', 'dora-pass', 'demo') };
  };

  return {
    app,
    config,
    db,
    events: publisher.events,
    inject,
    adminToken,
    tokenFor,
    createUser,
    createProject,
    demoMember,
    async close() {
      await catalogFeed?.close();
      await revocationFeed?.close();
      await app.close();
      if (!opts.database) await db.drop();
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}
