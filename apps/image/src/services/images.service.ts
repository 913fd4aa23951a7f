import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { BadRequest, Conflict, Forbidden, Gone, NotFound, PayloadTooLarge, RangeNotSatisfiable, reclaimBodyBuffers, UnsupportedMediaType } from '@kumo/common';
import type { AuthContext } from '@kumo/auth';
import { DataSource, In, Repository } from 'typeorm';
import { IMAGE_CONFIG, ImageConfig } from '../config';
import { ImageEntity, ImageMemberEntity, ImageTagEntity } from '../db/entities';
import { DataMissing, HashingStream, ImageStore, virtualSize } from '../stores/image-store';

export const IMAGE_STORE = Symbol('IMAGE_STORE');
export const IMAGE_DATA_SOURCE = Symbol('IMAGE_DATA_SOURCE');

/** Attributes a client can never set (Glance answers 403 "Attribute 'x' is read-only."). */
export const READ_ONLY = ['id', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size', 'created_at', 'updated_at', 'self', 'file', 'schema', 'direct_url', 'locations', 'deleted', 'deleted_at'];
/** Attributes with their own column and rules. */
const CORE = ['name', 'visibility', 'protected', 'os_hidden', 'min_disk', 'min_ram', 'disk_format', 'container_format', 'owner', 'tags'];
const VISIBILITIES = ['public', 'private', 'shared', 'community'];
const MAX_TAGS = 128;

export interface ImageView extends Record<string, unknown> {
  id: string;
}

export interface ListQuery {
  limit?: number;
  marker?: string;
  name?: string;
  status?: string;
  visibility?: string;
  owner?: string;
  tags: string[];
  diskFormat?: string;
  containerFormat?: string;
  sizeMin?: number;
  sizeMax?: number;
  memberStatus?: string;
  osHidden?: boolean;
  sort: Array<{ key: string; dir: 'asc' | 'desc' }>;
  properties: Record<string, string>;
}

const SORT_KEYS: Record<string, keyof ImageEntity> = {
  name: 'name',
  status: 'status',
  container_format: 'containerFormat',
  disk_format: 'diskFormat',
  size: 'size',
  id: 'id',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
  visibility: 'visibility',
  owner: 'owner',
  min_disk: 'minDisk',
  min_ram: 'minRam',
};

function isAdmin(auth: AuthContext): boolean {
  return auth.roles.includes('admin');
}

/**
 * Glance's image semantics: the status lifecycle (queued → saving → active, deactivated, deleted),
 * visibility and membership rules, ownership, properties and tags, uploads that stream into the store
 * while they are hashed (a failed one goes back to queued and leaves nothing), downloads with ranges.
 */
@Injectable()
export class ImagesService implements OnModuleInit {
  private readonly images: Repository<ImageEntity>;
  private readonly tags: Repository<ImageTagEntity>;
  private readonly members: Repository<ImageMemberEntity>;

  constructor(
    @Inject(IMAGE_DATA_SOURCE) private readonly ds: DataSource,
    @Inject(IMAGE_STORE) private readonly store: ImageStore,
    @Inject(IMAGE_CONFIG) private readonly config: ImageConfig,
  ) {
    this.images = ds.getRepository(ImageEntity);
    this.tags = ds.getRepository(ImageTagEntity);
    this.members = ds.getRepository(ImageMemberEntity);
  }

  /** Uploads a previous process was in the middle of cannot finish: back to queued. */
  async onModuleInit(): Promise<void> {
    await this.images.update({ status: 'saving' }, { status: 'queued', location: null });
  }

  // ---- views -----------------------------------------------------------------------------

  async view(img: ImageEntity, tags?: string[]): Promise<ImageView> {
    const t = tags ?? (await this.tags.find({ where: { imageId: img.id } })).map((x) => x.value).sort();
    return {
      ...img.properties,
      id: img.id,
      name: img.name,
      status: img.status,
      visibility: img.visibility,
      protected: img.protected,
      os_hidden: img.osHidden,
      checksum: img.checksum,
      os_hash_algo: img.osHashAlgo,
      os_hash_value: img.osHashValue,
      size: img.size,
      virtual_size: img.virtualSize,
      min_disk: img.minDisk,
      min_ram: img.minRam,
      disk_format: img.diskFormat,
      container_format: img.containerFormat,
      owner: img.owner,
      tags: t,
      created_at: iso(img.createdAt),
      updated_at: iso(img.updatedAt),
      self: `/v2/images/${img.id}`,
      file: `/v2/images/${img.id}/file`,
      schema: '/v2/schemas/image',
    };
  }

  // ---- visibility ------------------------------------------------------------------------

  private async memberStatus(img: ImageEntity, auth: AuthContext): Promise<string | undefined> {
    if (!auth.projectId) return undefined;
    return (await this.members.findOne({ where: { imageId: img.id, memberId: auth.projectId } }))?.status;
  }

  /** Glance's rule: admin sees all; others their own, public and community ones, and shared ones they are a member of. */
  private async visible(img: ImageEntity, auth: AuthContext): Promise<boolean> {
    if (img.status === 'deleted') return false;
    if (isAdmin(auth) || img.owner === auth.projectId) return true;
    if (img.visibility === 'public' || img.visibility === 'community') return true;
    if (img.visibility === 'shared') return (await this.memberStatus(img, auth)) !== undefined;
    return false;
  }

  async find(auth: AuthContext, id: string): Promise<ImageEntity> {
    const img = await this.images.findOne({ where: { id } });
    if (!img || !(await this.visible(img, auth))) throw new NotFound(`No image found with ID ${id}`);
    return img;
  }

  private mayModify(img: ImageEntity, auth: AuthContext): void {
    if (isAdmin(auth)) return;
    if (img.owner !== auth.projectId || !auth.roles.includes('member')) throw new Forbidden('You are not permitted to modify this image.');
  }

  // ---- create / update -------------------------------------------------------------------

  private checkVisibility(value: unknown, auth: AuthContext): string {
    if (typeof value !== 'string' || !VISIBILITIES.includes(value)) throw new BadRequest(`Invalid visibility value: ${String(value)}`);
    if (value === 'public' && !isAdmin(auth)) throw new Forbidden('You are not authorized to complete publicize_image action.');
    return value;
  }

  private checkFormat(kind: 'disk_format' | 'container_format', value: unknown): string | null {
    if (value === null) return null;
    const allowed = kind === 'disk_format' ? this.config.image.disk_formats : this.config.image.container_formats;
    if (typeof value !== 'string' || !allowed.includes(value)) {
      throw new BadRequest(`Invalid value '${String(value)}' for ${kind}: it must be one of ${allowed.join(', ')}`);
    }
    return value;
  }

  private int(name: string, value: unknown): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) throw new BadRequest(`${name} must be a non-negative integer, not ${JSON.stringify(value)}`);
    return value;
  }

  private checkTags(value: unknown): string[] {
    if (!Array.isArray(value) || value.some((t) => typeof t !== 'string' || t.length === 0 || t.length > 255)) throw new BadRequest('tags must be a list of strings of 1 to 255 characters');
    const tags = [...new Set(value as string[])];
    if (tags.length > MAX_TAGS) throw new PayloadTooLarge(`An image can have at most ${MAX_TAGS} tags`);
    return tags;
  }

  /** Applies one attribute to an image (create and PATCH share the rules); returns new tags when they change. */
  private apply(img: ImageEntity, key: string, value: unknown, auth: AuthContext, removing = false): string[] | undefined {
    if (READ_ONLY.includes(key)) throw new Forbidden(`Attribute '${key}' is read-only.`);
    if (key.length === 0 || key.length > 255) throw new BadRequest(`Invalid property name '${key}'`);
    switch (key) {
      case 'name':
        if (removing) throw new Forbidden(`Attribute '${key}' is reserved.`);
        if (value !== null && (typeof value !== 'string' || value.length > 255)) throw new BadRequest('name must be a string of at most 255 characters');
        img.name = value as string | null;
        return undefined;
      case 'visibility':
        if (removing) throw new Forbidden(`Attribute '${key}' is reserved.`);
        img.visibility = this.checkVisibility(value, auth);
        return undefined;
      case 'protected':
      case 'os_hidden':
        if (removing) throw new Forbidden(`Attribute '${key}' is reserved.`);
        if (typeof value !== 'boolean') throw new BadRequest(`${key} must be true or false`);
        if (key === 'protected') img.protected = value;
        else img.osHidden = value;
        return undefined;
      case 'min_disk':
      case 'min_ram':
        if (removing) throw new Forbidden(`Attribute '${key}' is reserved.`);
        if (key === 'min_disk') img.minDisk = this.int(key, value);
        else img.minRam = this.int(key, value);
        return undefined;
      case 'disk_format':
      case 'container_format':
        if (removing) throw new Forbidden(`Attribute '${key}' is reserved.`);
        if (img.status !== 'queued') throw new Forbidden(`Attribute ${key} can be only replaced for a queued image.`);
        if (key === 'disk_format') img.diskFormat = this.checkFormat(key, value);
        else img.containerFormat = this.checkFormat(key, value);
        return undefined;
      case 'owner':
        if (removing) throw new Forbidden(`Attribute '${key}' is reserved.`);
        if (!isAdmin(auth) && value !== auth.projectId) throw new Forbidden("Attribute 'owner' can only be set to another project by an admin.");
        if (value !== null && typeof value !== 'string') throw new BadRequest('owner must be a project id');
        img.owner = value as string | null;
        return undefined;
      case 'tags':
        return removing ? [] : this.checkTags(value);
      default: {
        const props = { ...img.properties };
        if (removing) {
          if (!(key in props)) throw new Conflict(`Property ${key} does not exist.`);
          delete props[key];
        } else {
          if (typeof value !== 'string') throw new BadRequest(`Property ${key} must be a string, not ${JSON.stringify(value)}`);
          if (value.length > 65535) throw new BadRequest(`Property ${key} is longer than 65535 characters`);
          props[key] = value;
        }
        img.properties = props;
        return undefined;
      }
    }
  }

  async create(auth: AuthContext, body: unknown): Promise<ImageView> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('The request body must be a JSON object of image attributes');
    const attrs = body as Record<string, unknown>;
    const id = attrs.id === undefined ? randomUUID() : attrs.id;
    if (typeof id !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new BadRequest(`id must be a UUID, not ${JSON.stringify(id)}`);
    if (await this.images.exist({ where: { id } })) throw new Conflict(`An image with identifier ${id} already exists`);
    const img = this.images.create({
      id,
      name: null,
      status: 'queued',
      visibility: 'shared',
      protected: false,
      osHidden: false,
      checksum: null,
      osHashAlgo: null,
      osHashValue: null,
      size: null,
      virtualSize: null,
      minDisk: 0,
      minRam: 0,
      diskFormat: null,
      containerFormat: null,
      owner: auth.projectId ?? null,
      properties: {},
      location: null,
      deletedAt: null,
    });
    let tags: string[] = [];
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'id') continue;
      const t = this.apply(img, k, v, auth);
      if (t) tags = t;
    }
    await this.ds.transaction(async (m) => {
      await m.save(img);
      if (tags.length) await m.insert(ImageTagEntity, tags.map((value) => ({ imageId: id, value })));
    });
    return this.view((await this.images.findOneByOrFail({ id }))!, tags.sort());
  }

  /** RFC 6902 as Glance takes it: add (replaces an existing member), replace, remove on `/attribute` or `/tags`. */
  async patch(auth: AuthContext, id: string, ops: unknown): Promise<ImageView> {
    const img = await this.find(auth, id);
    this.mayModify(img, auth);
    if (!Array.isArray(ops)) throw new BadRequest('The request body must be a JSON patch: a list of operations');
    let tags: string[] | undefined;
    for (const raw of ops) {
      const op = raw as { op?: unknown; path?: unknown; value?: unknown };
      if (typeof op !== 'object' || op === null || typeof op.op !== 'string' || typeof op.path !== 'string') throw new BadRequest('Each patch operation needs "op" and "path"');
      if (!['add', 'replace', 'remove'].includes(op.op)) throw new BadRequest(`Unsupported patch operation '${op.op}': use add, replace or remove`);
      const m = /^\/([^/]+)(?:\/(-|\d+))?$/.exec(op.path);
      if (!m) throw new BadRequest(`Invalid JSON pointer for this resource: '${op.path}'`);
      const key = m[1].replace(/~1/g, '/').replace(/~0/g, '~');
      if (op.op !== 'remove' && !('value' in op)) throw new BadRequest(`Operation '${op.op}' on ${op.path} needs a value`);
      if (m[2] !== undefined) {
        // /tags/- or /tags/N: one tag
        if (key !== 'tags') throw new BadRequest(`Invalid JSON pointer for this resource: '${op.path}'`);
        const current = tags ?? (await this.tags.find({ where: { imageId: id } })).map((t) => t.value);
        tags = op.op === 'remove' ? current.filter((_, i) => String(i) !== m[2]) : this.checkTags([...current, op.value]);
        continue;
      }
      if (op.op === 'replace' && !CORE.includes(key) && !READ_ONLY.includes(key) && !(key in img.properties)) throw new Conflict(`Property ${key} does not exist.`);
      const t = this.apply(img, key, op.value, auth, op.op === 'remove');
      if (t) tags = t;
    }
    await this.ds.transaction(async (m) => {
      await m.save(img);
      if (tags) {
        await m.delete(ImageTagEntity, { imageId: id });
        if (tags.length) await m.insert(ImageTagEntity, tags.map((value) => ({ imageId: id, value })));
      }
    });
    return this.view(await this.images.findOneByOrFail({ id }));
  }

  async delete(auth: AuthContext, id: string): Promise<void> {
    const img = await this.find(auth, id);
    this.mayModify(img, auth);
    if (img.protected) throw new Forbidden(`Image ${id} is protected and cannot be deleted.`);
    const location = img.location;
    await this.images.update({ id }, { status: 'deleted', deletedAt: new Date(), location: null });
    if (location) await this.store.delete(location);
  }

  // ---- list ------------------------------------------------------------------------------

  async list(auth: AuthContext, q: ListQuery): Promise<{ images: ImageView[]; next?: string }> {
    const limit = Math.min(q.limit ?? 25, 1000);
    const qb = this.images.createQueryBuilder('i').where("i.status <> 'deleted'");
    if (!isAdmin(auth) || q.visibility) {
      const project = auth.projectId ?? '';
      const memberOf = `EXISTS (SELECT 1 FROM image_member m WHERE m.image_id = i.id AND m.member_id = :project${q.memberStatus === 'all' ? '' : ' AND m.status = :memberStatus'})`;
      const params = { project, memberStatus: q.memberStatus ?? 'accepted' };
      switch (q.visibility) {
        case undefined:
        case 'all':
          if (!isAdmin(auth)) qb.andWhere(`(i.owner = :project OR i.visibility = 'public' OR (i.visibility = 'shared' AND ${memberOf}))`, params);
          break;
        case 'public':
        case 'community':
        case 'private':
          qb.andWhere('i.visibility = :vis', { vis: q.visibility });
          if (q.visibility === 'private' && !isAdmin(auth)) qb.andWhere('i.owner = :project', params);
          break;
        case 'shared':
          qb.andWhere("i.visibility = 'shared'");
          if (!isAdmin(auth)) qb.andWhere(`(i.owner = :project OR ${memberOf})`, params);
          break;
        default:
          throw new BadRequest(`Invalid visibility value: ${q.visibility}`);
      }
    }
    if (q.osHidden !== true) qb.andWhere('i.os_hidden = 0');
    if (q.name !== undefined) qb.andWhere('i.name = :name', { name: q.name });
    if (q.status !== undefined) qb.andWhere('i.status = :status', { status: q.status });
    if (q.owner !== undefined) qb.andWhere('i.owner = :owner', { owner: q.owner });
    if (q.diskFormat !== undefined) qb.andWhere('i.disk_format = :df', { df: q.diskFormat });
    if (q.containerFormat !== undefined) qb.andWhere('i.container_format = :cf', { cf: q.containerFormat });
    if (q.sizeMin !== undefined) qb.andWhere('i.size >= :smin', { smin: q.sizeMin });
    if (q.sizeMax !== undefined) qb.andWhere('i.size <= :smax', { smax: q.sizeMax });
    q.tags.forEach((tag, n) => qb.andWhere(`EXISTS (SELECT 1 FROM image_tag t${n} WHERE t${n}.image_id = i.id AND t${n}.value = :tag${n})`, { [`tag${n}`]: tag }));
    Object.entries(q.properties).forEach(([k, v], n) => qb.andWhere(`JSON_UNQUOTE(JSON_EXTRACT(i.properties, :pk${n})) = :pv${n}`, { [`pk${n}`]: `$."${k.replace(/"/g, '')}"`, [`pv${n}`]: v }));
    const sort = q.sort.length ? q.sort : [{ key: 'created_at', dir: 'desc' as const }];
    if (!sort.some((s) => s.key === 'id')) sort.push({ key: 'id', dir: sort[sort.length - 1].dir });
    // the API's sort keys are the snake_case column names (checked against SORT_KEYS before any SQL)
    for (const s of sort) {
      if (!SORT_KEYS[s.key]) throw new BadRequest(`Invalid sort key: ${s.key}. It must be one of ${Object.keys(SORT_KEYS).join(', ')}`);
    }
    if (q.marker) {
      const marker = await this.images.findOne({ where: { id: q.marker } });
      if (!marker || !(await this.visible(marker, auth))) throw new BadRequest(`Invalid marker. Image ${q.marker} could not be found.`);
      // rows strictly after the marker in the sort order (lexicographic over the sort keys)
      const ors: string[] = [];
      const params: Record<string, unknown> = {};
      sort.forEach((s, n) => {
        const eqs = sort.slice(0, n).map((p, j) => `i.${p.key} <=> :m${j}`);
        ors.push(`(${[...eqs, `i.${s.key} ${s.dir === 'asc' ? '>' : '<'} :m${n}`].join(' AND ')})`);
        params[`m${n}`] = marker[SORT_KEYS[s.key]];
      });
      qb.andWhere(`(${ors.join(' OR ')})`, params);
    }
    sort.forEach((s, n) => (n === 0 ? qb.orderBy(`i.${s.key}`, s.dir === 'asc' ? 'ASC' : 'DESC') : qb.addOrderBy(`i.${s.key}`, s.dir === 'asc' ? 'ASC' : 'DESC')));
    const rows = await qb.take(limit + 1).getMany();
    const page = rows.slice(0, limit);
    const tagRows = page.length ? await this.tags.find({ where: { imageId: In(page.map((r) => r.id)) } }) : [];
    const images = await Promise.all(page.map((img) => this.view(img, tagRows.filter((t) => t.imageId === img.id).map((t) => t.value).sort())));
    return { images, next: rows.length > limit ? page[page.length - 1].id : undefined };
  }

  // ---- data ------------------------------------------------------------------------------

  /**
   * Streams an upload into the store. Only a queued image takes data (it goes to saving, then active);
   * anything that goes wrong — a client that disconnects, a body over the size cap, a store error —
   * puts it back to queued with nothing kept.
   */
  async upload(auth: AuthContext, id: string, contentType: string | undefined, body: Readable, declaredSize?: number): Promise<void> {
    const img = await this.find(auth, id);
    this.mayModify(img, auth);
    if (!contentType || contentType.split(';')[0].trim() !== 'application/octet-stream') throw new UnsupportedMediaType('Image data must be sent as application/octet-stream');
    if (!img.diskFormat || !img.containerFormat) throw new BadRequest('Properties disk_format and container_format must be set prior to saving data.');
    if (declaredSize !== undefined && declaredSize > this.config.image.image_size_cap) {
      throw new PayloadTooLarge(`Image size ${declaredSize} exceeds the storage quota of ${this.config.image.image_size_cap} bytes`);
    }
    // queued → saving, atomically (a second upload at the same time gets 409)
    const claimed = await this.images.update({ id, status: 'queued' }, { status: 'saving' });
    if (!claimed.affected) throw new Conflict(`Image ${id} is ${img.status}: data can only be uploaded to a queued image`);
    const hashing = new HashingStream(this.config.image.image_size_cap, declaredSize, this.config.image.hash_threads);
    let location: string | undefined;
    try {
      const stored = this.store.put(id, hashing);
      await Promise.all([pipeline(body, hashing).catch((err: unknown) => {
        hashing.destroy(err as Error);
        throw err;
      }), stored]);
      location = await stored;
      if (declaredSize !== undefined && hashing.size !== declaredSize) throw new BadRequest(`Expected ${declaredSize} bytes, got ${hashing.size}`);
    } catch (err) {
      if (location) await this.store.delete(location).catch(() => undefined);
      await this.images.update({ id, status: 'saving' }, { status: 'queued' });
      if (err instanceof PayloadTooLarge || err instanceof BadRequest) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error).message === 'aborted') throw new BadRequest('The upload was interrupted; the image stays queued');
      throw err;
    }
    const done = await this.images.update(
      { id, status: 'saving' },
      { status: 'active', location, size: hashing.size, checksum: hashing.checksum, osHashAlgo: 'sha512', osHashValue: hashing.hash, virtualSize: virtualSize(img.diskFormat, hashing.head, hashing.size) },
    );
    if (!done.affected) {
      // deleted while uploading: its data must not stay behind
      await this.store.delete(location!);
      throw new Gone(`Image ${id} was deleted during the upload`);
    }
  }

  /** The image's bytes (or a range of them) with what the response needs. */
  async download(auth: AuthContext, id: string, range?: string): Promise<{ status: 200 | 204 | 206; body?: Readable; headers: Record<string, string | number> }> {
    const img = await this.find(auth, id);
    if (img.status === 'deactivated' && !isAdmin(auth)) throw new Forbidden('The requested image has been deactivated. Image data download is forbidden.');
    if (!img.location || img.size === null) return { status: 204, headers: {} };
    const size = img.size;
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'content-md5': img.checksum ?? '' };
    let span: { start: number; end: number } | undefined;
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      if (!m || (m[1] === '' && m[2] === '')) throw new BadRequest(`Invalid Range header ${range}`);
      const start = m[1] === '' ? Math.max(0, size - Number(m[2])) : Number(m[1]);
      const end = m[1] === '' || m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
      if (start >= size || start > end) throw new RangeNotSatisfiable(`Range ${range} is not satisfiable for an image of ${size} bytes`);
      span = { start, end };
    }
    try {
      const body = await this.store.get(img.location, span);
      body.on('data', (chunk: Buffer) => reclaimBodyBuffers(chunk.length));
      if (span) return { status: 206, body, headers: { ...headers, 'content-length': span.end - span.start + 1, 'content-range': `bytes ${span.start}-${span.end}/${size}` } };
      return { status: 200, body, headers: { ...headers, 'content-length': size } };
    } catch (err) {
      if (err instanceof DataMissing) throw new Gone(`The data of image ${id} is missing from the ${this.store.name} store (${err.message}); the image must be uploaded again`);
      throw err;
    }
  }

  // ---- actions, tags ---------------------------------------------------------------------

  async setActive(auth: AuthContext, id: string, active: boolean): Promise<void> {
    const img = await this.find(auth, id);
    if (!isAdmin(auth)) throw new Forbidden(`You are not authorized to complete ${active ? 'reactivate' : 'deactivate'} action.`);
    const from = active ? 'deactivated' : 'active';
    if (img.status === (active ? 'active' : 'deactivated')) return;
    if (img.status !== from) throw new Forbidden(`Not allowed to ${active ? 'reactivate' : 'deactivate'} an image in status '${img.status}'`);
    await this.images.update({ id, status: from }, { status: active ? 'active' : 'deactivated' });
  }

  async addTag(auth: AuthContext, id: string, tag: string): Promise<void> {
    const img = await this.find(auth, id);
    this.mayModify(img, auth);
    this.checkTags([tag]);
    if (await this.tags.exist({ where: { imageId: id, value: tag } })) return;
    if ((await this.tags.count({ where: { imageId: id } })) >= MAX_TAGS) throw new PayloadTooLarge(`An image can have at most ${MAX_TAGS} tags`);
    await this.tags.insert({ imageId: id, value: tag });
    await this.images.update({ id }, { updatedAt: new Date() });
  }

  async removeTag(auth: AuthContext, id: string, tag: string): Promise<void> {
    const img = await this.find(auth, id);
    this.mayModify(img, auth);
    const r = await this.tags.delete({ imageId: id, value: tag });
    if (!r.affected) throw new NotFound(`Tag ${tag} not found`);
  }

  // ---- members ---------------------------------------------------------------------------

  memberView(m: ImageMemberEntity): Record<string, unknown> {
    return { image_id: m.imageId, member_id: m.memberId, status: m.status, created_at: iso(m.createdAt), updated_at: iso(m.updatedAt), schema: '/v2/schemas/member' };
  }

  private async shared(auth: AuthContext, id: string): Promise<ImageEntity> {
    const img = await this.find(auth, id);
    if (img.visibility !== 'shared') throw new Forbidden(`Only shared images have members.`);
    return img;
  }

  async addMember(auth: AuthContext, id: string, body: unknown): Promise<Record<string, unknown>> {
    const img = await this.shared(auth, id);
    if (!isAdmin(auth) && img.owner !== auth.projectId) throw new Forbidden('Only the owner of an image can add members.');
    const member = (body as { member?: unknown } | null)?.member;
    if (typeof member !== 'string' || member.length === 0 || member.length > 255) throw new BadRequest('The request body must be {"member": "<project id>"}');
    if (await this.members.exist({ where: { imageId: id, memberId: member } })) throw new Conflict(`Member ${member} already has access to image ${id}`);
    await this.members.insert({ imageId: id, memberId: member, status: 'pending' });
    return this.memberView(await this.members.findOneByOrFail({ imageId: id, memberId: member }));
  }

  async listMembers(auth: AuthContext, id: string): Promise<Array<Record<string, unknown>>> {
    const img = await this.shared(auth, id);
    const all = await this.members.find({ where: { imageId: id }, order: { createdAt: 'ASC' } });
    const mine = isAdmin(auth) || img.owner === auth.projectId ? all : all.filter((m) => m.memberId === auth.projectId);
    return mine.map((m) => this.memberView(m));
  }

  async getMember(auth: AuthContext, id: string, member: string): Promise<Record<string, unknown>> {
    const img = await this.shared(auth, id);
    if (!isAdmin(auth) && img.owner !== auth.projectId && member !== auth.projectId) throw new NotFound(`Member ${member} not found`);
    const m = await this.members.findOne({ where: { imageId: id, memberId: member } });
    if (!m) throw new NotFound(`Member ${member} not found`);
    return this.memberView(m);
  }

  async updateMember(auth: AuthContext, id: string, member: string, body: unknown): Promise<Record<string, unknown>> {
    await this.shared(auth, id);
    const status = (body as { status?: unknown } | null)?.status;
    if (typeof status !== 'string' || !['pending', 'accepted', 'rejected'].includes(status)) throw new BadRequest('status must be one of pending, accepted, rejected');
    if (member !== auth.projectId && !isAdmin(auth)) throw new Forbidden('Only the member itself can accept or reject an image.');
    const r = await this.members.update({ imageId: id, memberId: member }, { status });
    if (!r.affected) throw new NotFound(`Member ${member} not found`);
    return this.memberView(await this.members.findOneByOrFail({ imageId: id, memberId: member }));
  }

  async deleteMember(auth: AuthContext, id: string, member: string): Promise<void> {
    const img = await this.shared(auth, id);
    if (!isAdmin(auth) && img.owner !== auth.projectId) throw new Forbidden('Only the owner of an image can remove members.');
    const r = await this.members.delete({ imageId: id, memberId: member });
    if (!r.affected) throw new NotFound(`Member ${member} not found`);
  }
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
