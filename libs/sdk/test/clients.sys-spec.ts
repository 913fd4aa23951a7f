import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { IdentityClient, ImageClient, isNotFound, RequestRefused, ServiceSession } from '../src';

jest.setTimeout(60_000);

// The stack's admin, read from its openrc here: @kumo/testing (which has openrcCredentials) depends
// on libs/auth, which depends on this package.
const STACK_DIR = process.env.KUMO_STACK_DIR ?? resolve(__dirname, '../../../.stack');
function adminCredentials() {
  const file = join(STACK_DIR, 'admin-openrc.sh');
  if (!existsSync(file))
    throw new Error(`${file} is missing: run ./stack.sh first (the system tier needs the running stack)`);
  const env = Object.fromEntries(
    [...readFileSync(file, 'utf8').matchAll(/^export (OS_[A-Z_]+)=['"]?([^'"\n]*)/gm)].map((m) => [
      m[1],
      m[2],
    ]),
  );
  return {
    authUrl: env.OS_AUTH_URL,
    username: env.OS_USERNAME,
    password: env.OS_PASSWORD,
    projectName: env.OS_PROJECT_NAME,
    userDomainName: env.OS_USER_DOMAIN_NAME,
    projectDomainName: env.OS_PROJECT_DOMAIN_NAME,
  };
}

/** The SDK's clients against the running stack's identity and image services, as a service uses them. */
describe('IdentityClient and ImageClient against the stack', () => {
  const session = new ServiceSession(adminCredentials());
  const identity = new IdentityClient(session);
  const images = new ImageClient(session);
  const made: string[] = [];
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'sdk-sys-'))));
  afterAll(async () => {
    for (const id of made) await images.delete(id).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('validates a token, and shows its user and project with the roles the user holds there', async () => {
    const body = await identity.validateToken(await session.token());
    const { user, project } = body!.token;
    expect(user.name).toBe(session.credentials.username);
    await expect(identity.user(user.id)).resolves.toMatchObject({
      id: user.id,
      name: user.name,
      enabled: true,
    });
    await expect(identity.project(project!.id)).resolves.toMatchObject({
      id: project!.id,
      name: session.credentials.projectName,
    });
    // bootstrap grants admin, which implies member and reader
    expect(await identity.projectRoles(user.id, project!.id)).toEqual(
      expect.arrayContaining(['admin', 'member', 'reader']),
    );
    await expect(identity.hasProjectRole(user.id, project!.id, 'admin')).resolves.toBe(true);
    const missing = await identity
      .project(`no-such-${randomBytes(4).toString('hex')}`)
      .catch((e: unknown) => e);
    expect(isNotFound(missing)).toBe(true);
    await expect(identity.validateToken('not-a-token')).resolves.toBeNull();
  });

  it("reads the catalog identity has now, which agrees with the session token's", async () => {
    const catalog = await identity.catalog();
    expect(catalog.map((s) => s.type)).toEqual(expect.arrayContaining(['identity', 'image']));
    await expect(identity.endpoint('image')).resolves.toBe(await session.endpoint('image'));
  });

  it('creates an image, uploads its data, downloads it verified (stream and file), and deletes it', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const created = await images.create({
      name: `sdk-sys-${randomBytes(4).toString('hex')}`,
      disk_format: 'raw',
      container_format: 'bare',
      visibility: 'private',
      properties: { image_type: 'snapshot' },
    });
    made.push(created.id);
    expect(created).toMatchObject({ status: 'queued', image_type: 'snapshot' });
    await images.upload(created.id, () =>
      Readable.from([data.subarray(0, 1_000_000), data.subarray(1_000_000)]),
    );
    const shown = await images.show(created.id);
    expect(shown).toMatchObject({
      status: 'active',
      size: data.length,
      checksum: createHash('md5').update(data).digest('hex'),
      os_hash_algo: 'sha512',
      os_hash_value: createHash('sha512').update(data).digest('hex'),
    });
    const again = await images.upload(created.id, data).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(RequestRefused);
    expect((again as RequestRefused).status).toBe(409);

    const { body } = await images.download(created.id, { verify: 'all' });
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    const file = join(dir, 'image.raw');
    await images.downloadToFile(created.id, file);
    expect(readFileSync(file).equals(data)).toBe(true);

    await images.delete(created.id);
    const gone = await images.show(created.id).catch((e: unknown) => e);
    expect(isNotFound(gone)).toBe(true);
  });
});
