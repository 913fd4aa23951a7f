import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { BadRequest, Conflict, Forbidden, Gone, NotFound, PayloadTooLarge, RangeNotSatisfiable, reclaimBodyBuffers, UnsupportedMediaType } from '@kumo/common';
import type { AuthContext } from '@kumo/auth';
import { isStateTransitionConflict } from '@kumo/db';
import { IMAGE_CONFIG, ImageConfig } from '../config';
import type { ImageEntity } from '../db/entities';
import { ImageMemberRepository } from '../db/repositories/image-member.repository';
import { ImageRepository } from '../db/repositories/image.repository';
import { HashingStream, virtualSize } from '../drivers/hashing-stream';
import { DataMissing, ImageStore } from '../drivers/image-store';
import { checkTag, enforceQuota, ImageDraft } from './image-draft';
import type { ListQuery } from './image-list';
import { applyPatch, parsePatch } from './image-patch';
import { isAdmin, mayChangeActivation, mayModify } from './image-policy';

/** An image with its tags (sorted): what the API shows. */
export interface ImageWithTags {
  image: ImageEntity;
  tags: string[];
}

/** An image's data to send: all of it, a span (inclusive), or none (`body` absent: nothing uploaded). */
export interface ImageData {
  size: number;
  checksum: string | null;
  body?: Readable;
  span?: { start: number; end: number };
}

/**
 * Glance's image semantics: the status lifecycle (queued → saving → active, deactivated, deleted),
 * visibility and membership rules, ownership, properties and tags, uploads that stream into the store
 * while they are hashed (a failed one goes back to queued and leaves nothing), downloads with ranges.
 */
@Injectable()
export class ImagesService implements OnModuleInit {
  constructor(
    private readonly images: ImageRepository,
    private readonly members: ImageMemberRepository,
    private readonly store: ImageStore,
    @Inject(IMAGE_CONFIG) private readonly config: ImageConfig,
  ) {}

  /** Uploads a previous process was in the middle of cannot finish: back to queued. */
  async onModuleInit(): Promise<void> {
    await this.images.requeueInterruptedUploads();
  }

  // ---- visibility ------------------------------------------------------------------------

  private async memberStatus(img: ImageEntity, auth: AuthContext): Promise<string | undefined> {
    if (!auth.projectId) return undefined;
    return (await this.members.find(img.id, auth.projectId))?.status;
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
    const img = await this.images.findById(id);
    if (!img || !(await this.visible(img, auth))) throw new NotFound(`No image found with ID ${id}`);
    return img;
  }

  /** The image with its tags. */
  async get(auth: AuthContext, id: string): Promise<ImageWithTags> {
    const image = await this.find(auth, id);
    return { image, tags: await this.images.tagsOf(id) };
  }

  // ---- create / update -------------------------------------------------------------------

  async create(auth: AuthContext, body: unknown): Promise<ImageWithTags> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('The request body must be a JSON object of image attributes');
    const attrs = body as Record<string, unknown>;
    const id = Object.hasOwn(attrs, 'id') ? attrs.id : randomUUID();
    if (typeof id !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new BadRequest(`id must be a UUID, not ${JSON.stringify(id)}`);
    const img = this.images.build({
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
    const draft = new ImageDraft(img, [], auth, this.config.image);
    for (const [k, v] of Object.entries(attrs)) if (k !== 'id') draft.set(k, v);
    const tags = draft.finish();
    if (await this.images.exists(id)) throw new Conflict(`An image with identifier ${id} already exists`);
    await this.images.insert(img, tags);
    return { image: await this.images.getById(id), tags };
  }

  /**
   * JSON patch in Glance's two media types (draft 4 = v2.0, draft 10 = v2.1 / RFC 6902). The whole patch
   * is parsed and validated first, applied in memory in one pass (O(n)), checked against the quotas once,
   * then written in one transaction: the image row, and the tags with one delete and one batched insert.
   * A refused patch changes nothing.
   */
  async patch(auth: AuthContext, id: string, draftVersion: 4 | 10, body: unknown): Promise<ImageWithTags> {
    const changes = parsePatch(body, draftVersion, this.config.image.image_patch_max_operations);
    const img = await this.find(auth, id);
    mayModify(img, auth);
    const current = await this.images.tagsOf(id);
    const draft = new ImageDraft(img, current, auth, this.config.image);
    applyPatch(draft, changes, draftVersion);
    const tags = draft.finish();
    await this.images.save(img, draft.tagsChanged ? tags : undefined);
    return { image: await this.images.getById(id), tags };
  }

  async delete(auth: AuthContext, id: string): Promise<void> {
    const img = await this.find(auth, id);
    mayModify(img, auth);
    if (img.protected) throw new Forbidden(`Image ${id} is protected and cannot be deleted.`);
    const location = img.location;
    await this.images.markDeleted(id);
    if (location) await this.store.delete(location);
  }

  // ---- list ------------------------------------------------------------------------------

  async list(auth: AuthContext, q: ListQuery): Promise<{ images: ImageWithTags[]; next?: string }> {
    const limit = Math.min(q.limit ?? 25, 1000);
    const sort = q.sort.length ? [...q.sort] : [{ key: 'created_at', dir: 'desc' as const }];
    if (!sort.some((s) => s.key === 'id')) sort.push({ key: 'id', dir: sort[sort.length - 1].dir });
    let marker: ImageEntity | undefined;
    if (q.marker !== undefined) {
      const found = await this.images.findById(q.marker);
      if (!found || !(await this.visible(found, auth))) throw new BadRequest(`Invalid marker. Image ${q.marker} could not be found.`);
      marker = found;
    }
    // Glance: limit=0 is an empty page without a next link
    if (limit === 0) return { images: [] };
    const rows = await this.images.page({ admin: isAdmin(auth), projectId: auth.projectId }, q, sort, marker, limit + 1);
    const page = rows.slice(0, limit);
    const byImage = await this.images.tagsByImage(page.map((r) => r.id));
    const images = page.map((image) => ({ image, tags: (byImage.get(image.id) ?? []).sort() }));
    return { images, next: rows.length > limit ? page[page.length - 1].id : undefined };
  }

  // ---- data ------------------------------------------------------------------------------

  /**
   * Streams an upload into the store. Only a queued image takes data (it goes to saving, then active);
   * anything that goes wrong — a client that disconnects, a body over the size cap, a store error —
   * puts it back to queued with nothing kept.
   */
  async upload(auth: AuthContext, id: string, contentType: string | undefined, body: Readable, declaredSize?: number): Promise<void> {
    // Glance's deserializer refuses the media type before the image is looked up
    const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/octet-stream') throw new UnsupportedMediaType(`Invalid content type ${type || '(none)'}`);
    const img = await this.find(auth, id);
    mayModify(img, auth);
    if (!img.diskFormat || !img.containerFormat) throw new BadRequest('Properties disk_format and container_format must be set prior to saving data.');
    if (declaredSize !== undefined && declaredSize > this.config.image.image_size_cap) {
      throw new PayloadTooLarge(`Image size ${declaredSize} exceeds the storage quota of ${this.config.image.image_size_cap} bytes`);
    }
    // queued → saving, atomically (a second upload at the same time gets 409)
    await this.images.transition(id, { from: 'queued', to: 'saving' }).catch((err: unknown) => {
      if (isStateTransitionConflict(err)) throw new Conflict(`Image ${id} is ${err.found ?? img.status}: data can only be uploaded to a queued image`);
      throw err;
    });
    const hashing = new HashingStream(this.config.image.image_size_cap, declaredSize, this.config.image.hash_threads);
    let location: string | undefined;
    try {
      const stored = this.store.put(id, hashing, declaredSize);
      await Promise.all([pipeline(body, hashing).catch((err: unknown) => {
        hashing.destroy(err as Error);
        throw err;
      }), stored]);
      location = await stored;
      if (declaredSize !== undefined && hashing.size !== declaredSize) throw new BadRequest(`Expected ${declaredSize} bytes, got ${hashing.size}`);
    } catch (err) {
      if (location) await this.store.delete(location).catch(() => undefined);
      // back to queued, unless it is no longer saving (deleted meanwhile)
      await this.images.transition(id, { from: 'saving', to: 'queued' }).catch((e: unknown) => {
        if (!isStateTransitionConflict(e)) throw e;
      });
      if (err instanceof PayloadTooLarge || err instanceof BadRequest) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error).message === 'aborted') throw new BadRequest('The upload was interrupted; the image stays queued');
      throw err;
    }
    const stored = { location, size: hashing.size, checksum: hashing.checksum, osHashAlgo: 'sha512', osHashValue: hashing.hash, virtualSize: virtualSize(img.diskFormat, hashing.head, hashing.size) };
    try {
      await this.images.transition(id, { from: 'saving', to: 'active', set: stored });
    } catch (err) {
      if (!isStateTransitionConflict(err)) throw err;
      // deleted while uploading: its data must not stay behind
      await this.store.delete(location!);
      throw new Gone(err.found === 'deleted' || err.found === null ? `Image ${id} was deleted during the upload` : `Image ${id} became ${err.found} during the upload; its data was not kept`);
    }
  }

  /** The image's bytes (or the range of them the Range header asks for). */
  async download(auth: AuthContext, id: string, range?: string): Promise<ImageData> {
    const img = await this.find(auth, id);
    if (img.status === 'deactivated' && !isAdmin(auth)) throw new Forbidden('The requested image has been deactivated. Image data download is forbidden.');
    if (!img.location || img.size === null) return { size: 0, checksum: img.checksum };
    const size = img.size;
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
      return { size, checksum: img.checksum, body, span };
    } catch (err) {
      if (err instanceof DataMissing) throw new Gone(`The data of image ${id} is missing from the ${this.store.name} store (${err.message}); the image must be uploaded again`);
      throw err;
    }
  }

  // ---- actions, tags ---------------------------------------------------------------------

  async setActive(auth: AuthContext, id: string, active: boolean): Promise<void> {
    const img = await this.find(auth, id);
    mayChangeActivation(img, auth, active ? 'reactivate' : 'deactivate');
    const from = active ? 'deactivated' : 'active';
    const to = active ? 'active' : 'deactivated';
    // already there: nothing to write (Glance answers 204)
    if (img.status === to) return;
    try {
      await this.images.transition(id, { from, to });
    } catch (err) {
      if (!isStateTransitionConflict(err)) throw err;
      if (err.found === to) return;
      throw new Forbidden(`Not allowed to ${active ? 'reactivate' : 'deactivate'} image in status '${err.found ?? img.status}'`);
    }
  }

  async addTag(auth: AuthContext, id: string, tag: string): Promise<void> {
    const img = await this.find(auth, id);
    mayModify(img, auth);
    checkTag(tag);
    if (await this.images.hasTag(id, tag)) return;
    enforceQuota('tags', (await this.images.countTags(id)) + 1, this.config.image.image_tag_quota);
    await this.images.addTag(id, tag);
  }

  async removeTag(auth: AuthContext, id: string, tag: string): Promise<void> {
    const img = await this.find(auth, id);
    mayModify(img, auth);
    if (!(await this.images.removeTag(id, tag))) throw new NotFound(`Tag ${tag} not found`);
  }
}
