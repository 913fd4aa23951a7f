import type { DataSource, Repository } from 'typeorm';
import { ImageMemberEntity } from '../entities';

/** The projects an image is shared with (the image_member table). */
export class ImageMemberRepository {
  private readonly members: Repository<ImageMemberEntity>;

  constructor(ds: DataSource) {
    this.members = ds.getRepository(ImageMemberEntity);
  }

  find(imageId: string, memberId: string): Promise<ImageMemberEntity | null> {
    return this.members.findOne({ where: { imageId, memberId } });
  }

  get(imageId: string, memberId: string): Promise<ImageMemberEntity> {
    return this.members.findOneByOrFail({ imageId, memberId });
  }

  exists(imageId: string, memberId: string): Promise<boolean> {
    return this.members.exist({ where: { imageId, memberId } });
  }

  count(imageId: string): Promise<number> {
    return this.members.count({ where: { imageId } });
  }

  /** The image's members, oldest first. */
  list(imageId: string): Promise<ImageMemberEntity[]> {
    return this.members.find({ where: { imageId }, order: { createdAt: 'ASC' } });
  }

  async insert(imageId: string, memberId: string, status: string): Promise<void> {
    await this.members.insert({ imageId, memberId, status });
  }

  /** Whether there was such a member to update. */
  async setStatus(imageId: string, memberId: string, status: string): Promise<boolean> {
    return Boolean((await this.members.update({ imageId, memberId }, { status })).affected);
  }

  /** Whether there was such a member to remove. */
  async delete(imageId: string, memberId: string): Promise<boolean> {
    return Boolean((await this.members.delete({ imageId, memberId })).affected);
  }
}
