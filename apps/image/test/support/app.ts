import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger } from '@kumo/common';
import { createTestDatabase, FakeTokenValidator, TestDatabase } from '@kumo/testing';
import { createImageApp } from '../../src/app';
import { imageConfigSections, ImageConfig } from '../../src/config';
import { IMAGE_ENTITIES } from '../../src/db/entities';
import { IMAGE_MIGRATIONS } from '../../src/db/migrations';
import { FileStore } from '../../src/drivers/file-store';
import type { ImageStore } from '../../src/drivers/image-store';

/** Test callers: token → who (admin of project p-admin; member and reader of p-demo; member of p-other). */
export const CALLERS: Record<string, { project: string; roles: string[] }> = {
  admin: { project: 'p-admin', roles: ['admin', 'member', 'reader'] },
  demo: { project: 'p-demo', roles: ['member', 'reader'] },
  reader: { project: 'p-demo', roles: ['reader'] },
  other: { project: 'p-other', roles: ['member', 'reader'] },
};

export const testValidator = new FakeTokenValidator(Object.fromEntries(Object.entries(CALLERS).map(([token, c]) => [token, { projectId: c.project, roles: c.roles }])));

export interface TestImageApp {
  url: string;
  dir: string;
  db: TestDatabase;
  app: NestFastifyApplication;
  config: ImageConfig;
  as(who: string, path: string, init?: RequestInit & { duplex?: 'half' }): Promise<Response>;
  /** POST /v2/images as `who`: the status and the parsed body. */
  createImage(who: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** The image API on a random port with a throwaway database and a file store in a temporary directory. */
export async function startImageApp(overrides: Partial<ImageConfig['image']> = {}, store?: ImageStore): Promise<TestImageApp> {
  const dir = mkdtempSync(join(tmpdir(), 'kumo-image-'));
  const config = {
    ...Object.fromEntries(Object.entries(imageConfigSections).map(([k, schema]) => [k, (schema as { parse: (v: unknown) => unknown }).parse(k === 'database' ? { url: 'mysql://root@127.0.0.1:3306' } : {})])),
  } as unknown as ImageConfig;
  config.image = { ...config.image, file_dir: join(dir, 'images'), public_url: 'http://127.0.0.1:9292', ...overrides };
  const db = await createTestDatabase('image', { entities: IMAGE_ENTITIES, migrations: IMAGE_MIGRATIONS });
  const fileStore = new FileStore(config.image.file_dir);
  await fileStore.init();
  const app = await createImageApp({ config, dataSource: db.dataSource, store: store ?? fileStore, validator: testValidator, logger: createLogger('image-test', process.env.KUMO_TEST_LOG ?? 'silent') });
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  const as: TestImageApp['as'] = (who, path, init = {}) =>
    fetch(`${url}${path}`, { ...init, headers: { 'x-auth-token': who, accept: 'application/json', ...(init.headers as Record<string, string> | undefined) } });
  return {
    url: url.replace('[::1]', '127.0.0.1'),
    dir,
    db,
    app,
    config,
    as,
    async createImage(who, body) {
      const r = await as(who, '/v2/images', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    },
    async close() {
      await app.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
