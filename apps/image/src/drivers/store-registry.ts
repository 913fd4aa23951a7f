import type { ImageConfig } from '../config';
import { FileStore } from './file-store';
import type { ImageStore } from './image-store';
import { ObjectStore } from './object-store';
import { SwiftClient } from './swift-client';

/** The store the configuration names, ready to use (directory or container created). */
export async function createStore(config: ImageConfig): Promise<ImageStore> {
  const c = config.image;
  if (c.store === 'file') {
    const store = new FileStore(c.file_dir);
    await store.init();
    return store;
  }
  if (!c.service_password) throw new Error('image.service_password is needed by the object store');
  const swift = new SwiftClient({ authUrl: c.auth_url, username: c.service_user, password: c.service_password, projectName: 'service' });
  const store = new ObjectStore(swift, c.object_container, c.object_segment_size);
  await store.init();
  return store;
}
