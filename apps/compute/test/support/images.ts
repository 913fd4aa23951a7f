import { randomUUID } from 'node:crypto';
import type { AuthContext } from '@kumo/auth';
import { ImageInfo, ImageService } from '../../src/clients/images';

/** The image service in memory, with Glance's visibility: a private image is seen by its owner project only. */
export class MemoryImages extends ImageService {
  readonly images = new Map<string, ImageInfo & { owner: string; visibility: 'public' | 'private' }>();
  readonly created: Array<{ id: string; projectId?: string; name: string; properties: Record<string, string> }> = [];

  add(fields: Partial<ImageInfo> & { owner?: string; visibility?: 'public' | 'private' } = {}): ImageInfo {
    const img = {
      id: randomUUID(),
      name: 'kumo-tiny',
      status: 'active',
      disk_format: 'qcow2',
      container_format: 'bare',
      size: 20 * 1024 * 1024,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      min_disk: 0,
      min_ram: 0,
      properties: {},
      owner: 'p-admin',
      visibility: 'public' as const,
      ...fields,
    };
    this.images.set(img.id, img);
    return img;
  }

  async show(auth: AuthContext, id: string): Promise<ImageInfo | null> {
    const img = this.images.get(id);
    if (!img || (img.visibility === 'private' && img.owner !== auth.projectId)) return null;
    return img;
  }

  async createQueued(auth: AuthContext, spec: { name: string; properties: Record<string, string> }): Promise<{ id: string }> {
    const id = randomUUID();
    this.created.push({ id, projectId: auth.projectId, name: spec.name, properties: spec.properties });
    this.add({ id, name: spec.name, status: 'queued', owner: auth.projectId ?? '', visibility: 'private' });
    return { id };
  }
}
