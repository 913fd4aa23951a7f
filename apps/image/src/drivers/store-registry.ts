import { currentContext, kumoFetch, REQUEST_ID_HEADER } from '@kumo/common';
import { ObjectClient, ServiceSession } from '@kumo/sdk';
import type { ImageConfig } from '../config';
import { FileStore } from './file-store';
import type { ImageStore } from './image-store';
import { ObjectStore } from './object-store';

const requestIdHeader = (): Record<string, string> => {
  const ctx = currentContext();
  return ctx ? { [REQUEST_ID_HEADER]: ctx.requestId } : {};
};

/** A store driver: builds the store from the `image` section and makes it ready (directory or container created). */
export type StoreDriver = (c: ImageConfig['image']) => Promise<ImageStore>;

/** The store drivers, keyed by the name `image.store` selects them by. */
export const STORE_DRIVERS = {
  file: async (c) => {
    const store = new FileStore(c.file_dir);
    await store.init();
    return store;
  },
  object: async (c) => {
    if (!c.service_password) throw new Error('image.service_password is needed by the object store');
    // the service user's session (project `service`), the catalog's public object-store endpoint;
    // every request carries the request id of the image request it serves
    const session = new ServiceSession({ authUrl: c.auth_url, username: c.service_user, password: c.service_password, projectName: 'service' }, { fetch: kumoFetch, timeoutMs: 15_000 });
    const objects = new ObjectClient(session, { headers: requestIdHeader });
    const store = new ObjectStore(objects, c.object_container, c.object_segment_size);
    await store.init();
    return store;
  },
} as const satisfies Record<string, StoreDriver>;

export type StoreName = keyof typeof STORE_DRIVERS;

/** The driver `image.store` names; an unknown name is one line naming the key and the names there are. */
export function storeDriver(name: string): StoreDriver {
  if (!Object.hasOwn(STORE_DRIVERS, name)) {
    throw new Error(`image.store: unknown store ${JSON.stringify(name)}; the stores are ${Object.keys(STORE_DRIVERS).join(', ')}`);
  }
  return STORE_DRIVERS[name as StoreName];
}

/** The store the configuration names, ready to use. */
export function createStore(config: ImageConfig): Promise<ImageStore> {
  return storeDriver(config.image.store)(config.image);
}
