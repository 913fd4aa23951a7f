import { kumoFetch } from '@kumo/common';
import type { AuthContext } from '@kumo/auth';

/** What compute reads of an image (Glance v2 names). */
export interface ImageInfo {
  id: string;
  name: string | null;
  status: string;
  disk_format: string | null;
  container_format: string | null;
  size: number | null;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  min_disk: number;
  min_ram: number;
  /** The image's additional properties (hw_architecture, img_hv_type ...), as strings. */
  properties: Record<string, string>;
}

/** Glance's core attributes: everything else in an image body is an additional property. */
const CORE = new Set([
  'id', 'name', 'status', 'visibility', 'protected', 'os_hidden', 'owner', 'disk_format', 'container_format', 'size', 'virtual_size', 'checksum',
  'os_hash_algo', 'os_hash_value', 'min_disk', 'min_ram', 'tags', 'created_at', 'updated_at', 'self', 'file', 'schema', 'direct_url', 'locations', 'stores',
]);

export class ImageServiceError extends Error {}

/**
 * The image service as the *user* sees it (Nova's glance API calls carry the user's token, so an
 * image another project keeps private is "not found" for them): show, and create a snapshot's
 * queued image. Tests give an in-memory one.
 */
export abstract class ImageService {
  /** The image, or null when the user cannot see it (404). Throws ImageServiceError when the service fails. */
  abstract show(auth: AuthContext, id: string): Promise<ImageInfo | null>;
  /** A queued image (the agent uploads the data), owned by the user's project. */
  abstract createQueued(auth: AuthContext, spec: { name: string; diskFormat: string; containerFormat: string; minDisk: number; minRam: number; properties: Record<string, string> }): Promise<{ id: string }>;
}

export function imageInfoOf(body: Record<string, unknown>): ImageInfo {
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (!CORE.has(k) && typeof v === 'string') properties[k] = v;
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : null);
  return {
    id: String(body.id),
    name: str('name'),
    status: String(body.status),
    disk_format: str('disk_format'),
    container_format: str('container_format'),
    size: typeof body.size === 'number' ? body.size : null,
    checksum: str('checksum'),
    os_hash_algo: str('os_hash_algo'),
    os_hash_value: str('os_hash_value'),
    min_disk: Number(body.min_disk ?? 0),
    min_ram: Number(body.min_ram ?? 0),
    properties,
  };
}

/**
 * Glance v2 at `baseUrl` (http://H:9292) with the caller's token. An active image read with a
 * token is remembered for `cacheMs` (default 5 s) for that token: a burst of creates from one user
 * (`--min 100`, Terraform, a benchmark) asks the image service once, not once per server. Only
 * active images are remembered (a queued one that becomes active is seen at once, a 404 is asked
 * again); an image deleted within the window still passes the API's check, and its build then
 * fails at the agent's image fetch with that fault, as one deleted right after the check would.
 */
export class GlanceImageService extends ImageService {
  private readonly cache = new Map<string, { at: number; info: ImageInfo }>();
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly baseUrl: string,
    opts: { cacheMs?: number; now?: () => number } = {},
  ) {
    super();
    this.cacheMs = opts.cacheMs ?? 5000;
    this.now = opts.now ?? Date.now;
  }

  private url(path: string): string {
    return `${this.baseUrl.replace(/\/+$/, '').replace(/\/v2$/, '')}/v2${path}`;
  }

  async show(auth: AuthContext, id: string): Promise<ImageInfo | null> {
    const key = `${id} ${auth.token}`;
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < this.cacheMs) return hit.info;
    if (hit) this.cache.delete(key);
    const info = await this.read(auth, id);
    if (info?.status === 'active' && this.cacheMs > 0) {
      if (this.cache.size >= 1000) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, { at: this.now(), info });
    }
    return info;
  }

  private async read(auth: AuthContext, id: string): Promise<ImageInfo | null> {
    let res: Response;
    try {
      res = await kumoFetch(this.url(`/images/${encodeURIComponent(id)}`), { headers: { 'x-auth-token': auth.token, accept: 'application/json' }, timeoutMs: 10_000 });
    } catch (err) {
      throw new ImageServiceError(`image service unreachable: ${(err as Error).message}`);
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new ImageServiceError(`image service answered ${res.status} showing image ${id}`);
    }
    return imageInfoOf((await res.json()) as Record<string, unknown>);
  }

  async createQueued(auth: AuthContext, spec: { name: string; diskFormat: string; containerFormat: string; minDisk: number; minRam: number; properties: Record<string, string> }): Promise<{ id: string }> {
    let res: Response;
    try {
      res = await kumoFetch(this.url('/images'), {
        method: 'POST',
        headers: { 'x-auth-token': auth.token, accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ ...spec.properties, name: spec.name, disk_format: spec.diskFormat, container_format: spec.containerFormat, min_disk: spec.minDisk, min_ram: spec.minRam }),
        timeoutMs: 10_000,
      });
    } catch (err) {
      throw new ImageServiceError(`image service unreachable: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (res.status !== 201) throw new ImageServiceError(`image service answered ${res.status} creating image ${spec.name}: ${text.slice(0, 200)}`);
    return { id: String((JSON.parse(text) as { id: string }).id) };
  }
}
