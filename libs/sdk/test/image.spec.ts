import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  ChecksumMismatch,
  ImageClient,
  ImageNotActive,
  isNotFound,
  RequestRefused,
  ServiceSession,
  ServiceUnreachable,
} from '../src';
import { FakeService, json } from './support/fake-service';

const DATA = Buffer.from('kumo image bytes '.repeat(5000));
const hex = (algo: string, b: Buffer) => createHash(algo).update(b).digest('hex');

function image(id: string, over: Record<string, unknown> = {}) {
  return {
    id,
    name: 'tiny',
    status: 'active',
    visibility: 'shared',
    protected: false,
    owner: 'p1',
    disk_format: 'qcow2',
    container_format: 'bare',
    size: DATA.length,
    virtual_size: null,
    checksum: hex('md5', DATA),
    os_hash_algo: 'sha512',
    os_hash_value: hex('sha512', DATA),
    min_disk: 0,
    min_ram: 0,
    tags: [],
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...over,
  };
}

describe('ImageClient', () => {
  const glance = new FakeService();
  let dir: string;
  beforeAll(async () => {
    await glance.start();
    dir = mkdtempSync(join(tmpdir(), 'sdk-image-'));
  });
  afterAll(async () => {
    await glance.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => glance.reset());
  const session = () =>
    new ServiceSession({ authUrl: glance.url, username: 'kumo', password: 'pw', projectName: 'service' });
  const client = (opts = {}) => new ImageClient(session(), opts);

  /** An image `id` (the fields of `over`) whose file answers `data` (DATA by default). */
  function serve(id: string, over: Record<string, unknown> = {}, data: Buffer = DATA): void {
    const img = image(id, over);
    glance.on('GET', new RegExp(`^/v2/images/${id}$`), (_req, res) => json(res, 200, img));
    glance.on('GET', new RegExp(`^/v2/images/${id}/file$`), (_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-md5': String(img.checksum ?? ''),
        'content-length': data.length,
      });
      res.end(data);
    });
  }

  it("shows an image at the catalog's image endpoint (/v2 added), with the session token", async () => {
    serve('i1');
    const images = client();
    await expect(images.show('i1')).resolves.toMatchObject({
      id: 'i1',
      status: 'active',
      os_hash_algo: 'sha512',
    });
    expect(glance.calls().map((r) => [r.method, r.url, r.headers['x-auth-token']])).toEqual([
      ['GET', '/v2/images/i1', 'svc-1'],
    ]);
  });

  it("throws ResourceNotFound with Glance's message for an image it does not have", async () => {
    glance.on('GET', /^\/v2\/images\/nope$/, (_req, res) =>
      json(res, 404, {
        error: { message: 'No image found with ID nope', code: '404 Not Found', title: 'Not Found' },
      }),
    );
    const err = await client({ endpoint: `${glance.url}/v2/` })
      .show('nope')
      .catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    expect((err as Error).message).toBe('image, showing image nope: HTTP 404 (No image found with ID nope)');
  });

  it('creates an image with its properties beside the core attributes, and deletes it', async () => {
    glance.on('POST', /^\/v2\/images$/, (req, res) =>
      json(res, 201, image('new', { ...JSON.parse(req.body.toString()), status: 'queued' })),
    );
    glance.on('DELETE', /^\/v2\/images\/new$/, (_req, res) => void res.writeHead(204).end());
    const images = client();
    const created = await images.create({
      name: 'snap',
      disk_format: 'qcow2',
      container_format: 'bare',
      visibility: 'private',
      properties: { image_type: 'snapshot', instance_uuid: 'vm-1' },
    });
    expect(created).toMatchObject({ id: 'new', status: 'queued', image_type: 'snapshot' });
    expect(JSON.parse(glance.calls()[0].body.toString())).toEqual({
      name: 'snap',
      disk_format: 'qcow2',
      container_format: 'bare',
      visibility: 'private',
      image_type: 'snapshot',
      instance_uuid: 'vm-1',
    });
    expect(glance.calls()[0].headers['content-type']).toBe('application/json');
    await expect(images.delete('new')).resolves.toBeUndefined();
    await expect(images.delete('new2')).rejects.toThrow(/^image, deleting image new2: HTTP 404/);
  });

  it('uploads bytes and streams as application/octet-stream; a refusal is RequestRefused with its status', async () => {
    glance.on('PUT', /^\/v2\/images\/(a|b)\/file$/, (_req, res) => void res.writeHead(204).end());
    glance.on('PUT', /^\/v2\/images\/busy\/file$/, (_req, res) =>
      json(res, 409, {
        error: {
          message: 'Image status transition from saving to saving is not allowed',
          code: '409 Conflict',
          title: 'Conflict',
        },
      }),
    );
    const images = client();
    await images.upload('a', DATA);
    await images.upload('b', Readable.from([DATA.subarray(0, 1000), DATA.subarray(1000)]));
    const [a, b] = glance.calls();
    expect([a.headers['content-type'], b.headers['content-type']]).toEqual([
      'application/octet-stream',
      'application/octet-stream',
    ]);
    expect([a.body.equals(DATA), b.body.equals(DATA), b.headers['transfer-encoding']]).toEqual([
      true,
      true,
      'chunked',
    ]);
    const err = await images.upload('busy', DATA).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestRefused);
    expect(err).toMatchObject({
      status: 409,
      detail: 'Image status transition from saving to saving is not allowed',
    });
  });

  it('retries an upload after a 401 when it can open the data again, and answers the 401 of a one-shot stream', async () => {
    glance.on('PUT', /^\/v2\/images\/a\/file$/, (_req, res) => void res.writeHead(204).end());
    const s = session();
    const images = new ImageClient(s);
    glance.rejected.add(await s.token());
    await images.upload('a', () => Readable.from([DATA]));
    expect(s.logins).toBe(2);
    expect(
      glance
        .calls()
        .filter((r) => r.method === 'PUT')
        .map((r) => r.body.length),
    ).toEqual([DATA.length, DATA.length]);
    const refused = await s.token();
    glance.rejected.add(refused);
    await expect(images.upload('a', Readable.from([DATA]))).rejects.toMatchObject({ status: 401 });
    expect(s.logins).toBe(2);
    await expect(s.token()).resolves.not.toBe(refused); // the refused token is dropped: a new login
    expect(s.logins).toBe(3);
  });

  it('says so when the data cannot be read, not that the service is unreachable', async () => {
    glance.on('PUT', /^\/v2\/images\/a\/file$/, (_req, res) => void res.writeHead(204).end());
    const broken = new Readable({ read() {} });
    setTimeout(() => broken.destroy(new Error('EIO: the disk went away')), 20);
    await expect(client().upload('a', broken)).rejects.toThrow('EIO: the disk went away');
  });

  it("downloads the data checked against the image's sha512, or its md5 when it has no os_hash", async () => {
    serve('i1');
    serve('i2', { os_hash_algo: null, os_hash_value: null });
    const images = client();
    for (const id of ['i1', 'i2']) {
      const { image: img, body } = await images.download(id);
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      expect([img.id, Buffer.concat(chunks).equals(DATA)]).toEqual([id, true]);
    }
  });

  it('fails the stream with ChecksumMismatch when the bytes are not the image', async () => {
    const corrupt = Buffer.from(DATA);
    corrupt[100] ^= 1;
    serve('bad', {}, corrupt);
    serve('badmd5', { checksum: '0'.repeat(32) });
    const images = client();
    const read = async (id: string, verify?: 'all' | 'none') => {
      const { body } = await images.download(id, { verify });
      for await (const _ of body) void _;
    };
    const err = await read('bad').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksumMismatch);
    expect(err).toMatchObject({
      imageId: 'bad',
      algorithm: 'sha512',
      expected: hex('sha512', DATA),
      actual: hex('sha512', corrupt),
    });
    await expect(read('badmd5')).resolves.toBeUndefined(); // sha512 is preferred, as glanceclient
    await expect(read('badmd5', 'all')).rejects.toMatchObject({ algorithm: 'md5', expected: '0'.repeat(32) });
    await expect(read('bad', 'none')).resolves.toBeUndefined();
  });

  it('refuses to download an image that is not active', async () => {
    serve('q', { status: 'queued', checksum: null, os_hash_value: null, size: null });
    await expect(client().download('q')).rejects.toThrow(new ImageNotActive('q', 'queued'));
    expect(glance.calls().map((r) => r.url)).toEqual(['/v2/images/q']);
  });

  it('fails a download that stalls with ServiceUnreachable after idleTimeoutMs', async () => {
    serve('slow');
    glance.on('GET', /^\/v2\/images\/slow\/file$/, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': DATA.length });
      res.write(DATA.subarray(0, 10));
    });
    const { body } = await client({ idleTimeoutMs: 300 }).download('slow');
    const err = await (async () => {
      for await (const _ of body) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnreachable);
    expect((err as Error).message).toBe(`${glance.url} is unreachable: no data moved for 0.3 s`);
  });

  it('downloads to a file whole and verified, or leaves nothing behind', async () => {
    const corrupt = Buffer.from(DATA);
    corrupt[7] ^= 1;
    serve('i1');
    serve('bad', {}, corrupt);
    const images = client();
    const good = join(dir, 'i1.img');
    await expect(images.downloadToFile('i1', good)).resolves.toMatchObject({ id: 'i1' });
    expect(readFileSync(good).equals(DATA)).toBe(true);
    const bad = join(dir, 'bad.img');
    await expect(images.downloadToFile('bad', bad)).rejects.toThrow(ChecksumMismatch);
    expect(existsSync(bad)).toBe(false);
    expect(readdirSync(dir)).toEqual(['i1.img']);
  });
});
