import { StateTransitions, Transition } from '@kumo/db';
import { DataSource, In, Repository } from 'typeorm';
import type { ListQuery } from '../../services/image-list';
import { ImageEntity, ImageStatus, ImageTagEntity } from '../entities';
import { applyListFilters, applyMarkerAndSort, Viewer } from './image-list.query';

/** The image service's data source (the DI token the repositories are built from). */
export const IMAGE_DATA_SOURCE = Symbol('IMAGE_DATA_SOURCE');

/** The status transitions an image may make by compare-and-set (deletion and the start-up reset are not compared). */
export const IMAGE_TRANSITIONS: { readonly [S in ImageStatus]?: readonly ImageStatus[] } = {
  queued: ['saving'],
  saving: ['active', 'queued'],
  active: ['deactivated'],
  deactivated: ['active'],
};

/** Images and their tags in MariaDB (the image and image_tag tables). */
export class ImageRepository {
  private readonly images: Repository<ImageEntity>;
  private readonly tags: Repository<ImageTagEntity>;
  private readonly states: StateTransitions<ImageEntity, ImageStatus>;

  constructor(private readonly ds: DataSource) {
    this.images = ds.getRepository(ImageEntity);
    this.tags = ds.getRepository(ImageTagEntity);
    this.states = new StateTransitions<ImageEntity, ImageStatus>(this.images, { name: 'Image', allowed: IMAGE_TRANSITIONS });
  }

  /** A new image object (not stored yet). */
  build(fields: Omit<ImageEntity, 'createdAt' | 'updatedAt'>): ImageEntity {
    return this.images.create(fields);
  }

  findById(id: string): Promise<ImageEntity | null> {
    return this.images.findOne({ where: { id } });
  }

  getById(id: string): Promise<ImageEntity> {
    return this.images.findOneByOrFail({ id });
  }

  exists(id: string): Promise<boolean> {
    return this.images.exist({ where: { id } });
  }

  /** Stores a new image with its tags, in one transaction. */
  async insert(img: ImageEntity, tags: string[]): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.insert(ImageEntity, img);
      if (tags.length) await m.insert(ImageTagEntity, tags.map((value) => ({ imageId: img.id, value })));
    });
  }

  /** Writes a changed image and, when given, replaces its tags (one delete, one batched insert), in one transaction. */
  async save(img: ImageEntity, tags?: string[]): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.save(img);
      if (tags) {
        await m.delete(ImageTagEntity, { imageId: img.id });
        if (tags.length) await m.insert(ImageTagEntity, tags.map((value) => ({ imageId: img.id, value })));
      }
    });
  }

  /** Compare-and-set on the status (libs/db's StateTransitions): StateTransitionConflict with the status found. */
  transition(id: string, t: Transition<ImageEntity, ImageStatus>): Promise<void> {
    return this.states.transition(id, t);
  }

  /** Uploads a previous process was in the middle of cannot finish: back to queued. */
  async requeueInterruptedUploads(): Promise<void> {
    await this.images.update({ status: 'saving' }, { status: 'queued', location: null });
  }

  async markDeleted(id: string): Promise<void> {
    await this.images.update({ id }, { status: 'deleted', deletedAt: new Date(), location: null });
  }

  /** At most `take` images the viewer may list, after the marker, in the sort order. */
  page(viewer: Viewer, q: ListQuery, sort: ListQuery['sort'], marker: ImageEntity | undefined, take: number): Promise<ImageEntity[]> {
    const qb = this.images.createQueryBuilder('i');
    applyListFilters(qb, viewer, q);
    applyMarkerAndSort(qb, sort, marker);
    return qb.take(take).getMany();
  }

  // ---- tags ------------------------------------------------------------------------------

  /** The image's tags, sorted. */
  async tagsOf(id: string): Promise<string[]> {
    return (await this.tags.find({ where: { imageId: id } })).map((t) => t.value).sort();
  }

  /** The tags of each image (unsorted), by image id. */
  async tagsByImage(ids: string[]): Promise<Map<string, string[]>> {
    const rows = ids.length ? await this.tags.find({ where: { imageId: In(ids) } }) : [];
    const byImage = new Map<string, string[]>();
    for (const t of rows) byImage.set(t.imageId, [...(byImage.get(t.imageId) ?? []), t.value]);
    return byImage;
  }

  hasTag(id: string, tag: string): Promise<boolean> {
    return this.tags.exist({ where: { imageId: id, value: tag } });
  }

  countTags(id: string): Promise<number> {
    return this.tags.count({ where: { imageId: id } });
  }

  /** Adds a tag and touches the image's updated_at. */
  async addTag(id: string, tag: string): Promise<void> {
    await this.tags.insert({ imageId: id, value: tag });
    await this.images.update({ id }, { updatedAt: new Date() });
  }

  /** Whether there was such a tag to remove. */
  async removeTag(id: string, tag: string): Promise<boolean> {
    return Boolean((await this.tags.delete({ imageId: id, value: tag })).affected);
  }
}
