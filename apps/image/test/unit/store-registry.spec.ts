import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageSection } from '../../src/config';
import { FileStore } from '../../src/drivers/file-store';
import { STORE_DRIVERS, storeDriver } from '../../src/drivers/store-registry';

/** The store is chosen from a typed registry of drivers by `image.store`. */
describe('store registry', () => {
  it('names every driver the configuration can select', () => {
    expect(Object.keys(STORE_DRIVERS).sort()).toEqual(['file', 'object']);
  });

  it('refuses an unknown name in one line that names the key and the stores there are', () => {
    expect(() => storeDriver('swfit')).toThrow(new Error('image.store: unknown store "swfit"; the stores are file, object'));
    // a name inherited from Object.prototype is not a driver
    expect(() => storeDriver('constructor')).toThrow('unknown store "constructor"');
  });

  it('builds the file store, its directory created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kumo-image-registry-'));
    try {
      const c = imageSection.parse({ store: 'file', file_dir: join(dir, 'images') });
      const store = await storeDriver(c.store)(c);
      expect(store).toBeInstanceOf(FileStore);
      expect(store).toMatchObject({ name: 'file', description: 'Local directory' });
      expect(statSync(join(dir, 'images')).isDirectory()).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses the object store without the service password', async () => {
    const c = imageSection.parse({ store: 'object' });
    await expect(storeDriver(c.store)(c)).rejects.toThrow('image.service_password is needed by the object store');
  });
});
