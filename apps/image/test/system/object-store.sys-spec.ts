import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { ObjectClient, ServiceSession } from '@kumo/sdk';
import { openrcCredentials, uniqueName } from '@kumo/testing';
import { ObjectStore } from '../../src/drivers/object-store';

jest.setTimeout(60_000);

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The object store against Kumo's real object service, through its HTTP API: the running stack's
 * (system tier), logged in as the stack's admin and found in the catalog as the image service
 * does, in a container of its own.
 */
describe('ObjectStore', () => {
  const container = uniqueName('image-store-test');
  const swift = new ObjectClient(new ServiceSession(openrcCredentials('admin')));
  let store: ObjectStore;
  const MiB = 1024 * 1024;

  beforeAll(async () => {
    store = new ObjectStore(swift, container, MiB);
    await store.init();
  });
  const names = async () => (await swift.listObjects(container)).map((x) => x.name);

  afterAll(async () => {
    for (const name of await names()) await swift.deleteObject(container, name, { missingOk: true });
    await swift.deleteContainer(container, { missingOk: true });
    swift.close();
  });

  it('stores an image as segments plus a manifest and reads it back whole and by range', async () => {
    const data = randomBytes(3 * MiB + 12345);
    const location = await store.put('img-1', Readable.from([data.subarray(0, 100), data.subarray(100, 2 * MiB + 7), data.subarray(2 * MiB + 7)]));
    expect(location).toBe(`object://${container}/img-1`);
    expect((await names()).filter((n) => n.startsWith('img-1'))).toEqual(['img-1', 'img-1/000001', 'img-1/000002', 'img-1/000003', 'img-1/000004']);
    expect(createHash('md5').update(await bytesOf(await store.get(location))).digest('hex')).toBe(createHash('md5').update(data).digest('hex'));
    const part = await bytesOf(await store.get(location, { start: MiB - 10, end: 2 * MiB + 9 }));
    expect(part.equals(data.subarray(MiB - 10, 2 * MiB + 10))).toBe(true);
  });

  it('sends segments with their Content-Length when the size is known, and reads them with the next one opened ahead', async () => {
    const data = randomBytes(3 * MiB + 1);
    const ahead = new ObjectStore(swift, container, MiB, MiB / 2);
    const location = await ahead.put('img-5', Readable.from([data.subarray(0, MiB + 3), data.subarray(MiB + 3)]), data.length);
    expect((await names()).filter((n) => n.startsWith('img-5'))).toEqual(['img-5', 'img-5/000001', 'img-5/000002', 'img-5/000003', 'img-5/000004']);
    expect((await bytesOf(await ahead.get(location))).equals(data)).toBe(true);
    await expect(ahead.put('img-6', Readable.from([data]), data.length + 1)).rejects.toThrow(`Expected ${data.length + 1} bytes, got ${data.length}`);
    expect((await names()).filter((n) => n.startsWith('img-6'))).toEqual([]);
  });

  it('does not keep an empty last segment when the size is a multiple of the segment size', async () => {
    await store.put('img-2', Readable.from([randomBytes(2 * MiB)]));
    expect((await names()).filter((n) => n.startsWith('img-2/'))).toEqual(['img-2/000001', 'img-2/000002']);
  });

  it('leaves no segment behind when the upload fails half-way', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield randomBytes(MiB);
      yield randomBytes(MiB / 2);
      throw new Error('client went away');
    }
    await expect(store.put('img-3', Readable.from(failing()))).rejects.toThrow('client went away');
    expect((await names()).filter((n) => n.startsWith('img-3'))).toEqual([]);
  });

  it('deletes the manifest and every segment; a read of a deleted image says the data is missing', async () => {
    const location = await store.put('img-4', Readable.from([randomBytes(MiB + 1)]));
    await store.delete(location);
    expect((await names()).filter((n) => n.startsWith('img-4'))).toEqual([]);
    await expect(store.get(location)).rejects.toThrow(/no object img-4/);
  });
});
