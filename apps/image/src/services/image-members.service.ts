import { Inject, Injectable } from '@nestjs/common';
import { BadRequest, Conflict, Forbidden, NotFound } from '@kumo/common';
import type { AuthContext } from '@kumo/auth';
import { IMAGE_CONFIG, ImageConfig } from '../config';
import type { ImageEntity, ImageMemberEntity } from '../db/entities';
import { ImageMemberRepository } from '../db/repositories/image-member.repository';
import { enforceQuota, refuseNul } from './image-draft';
import { isAdmin } from './image-policy';
import { ImagesService } from './images.service';

const MEMBER_STATUSES: ReadonlySet<string> = new Set(['pending', 'accepted', 'rejected']);

/** `/v2/images/{id}/members`: sharing a `shared` image with other projects (Glance's member rules and quota). */
@Injectable()
export class ImageMembersService {
  constructor(
    private readonly members: ImageMemberRepository,
    @Inject(IMAGE_CONFIG) private readonly config: ImageConfig,
    private readonly images: ImagesService,
  ) {}

  private async shared(auth: AuthContext, id: string): Promise<ImageEntity> {
    const img = await this.images.find(auth, id);
    if (img.visibility !== 'shared') throw new Forbidden(`Only shared images have members.`);
    return img;
  }

  async add(auth: AuthContext, id: string, body: unknown): Promise<ImageMemberEntity> {
    const img = await this.shared(auth, id);
    if (!isAdmin(auth) && img.owner !== auth.projectId) throw new Forbidden('Only the owner of an image can add members.');
    const member = (body as { member?: unknown } | null)?.member;
    if (typeof member !== 'string' || member.length === 0 || member.length > 255) throw new BadRequest('The request body must be {"member": "<project id>"}');
    refuseNul('A member id', member);
    if (await this.members.exists(id, member)) throw new Conflict(`Member ${member} already has access to image ${id}`);
    enforceQuota('members', (await this.members.count(id)) + 1, this.config.image.image_member_quota);
    await this.members.insert(id, member, 'pending');
    return this.members.get(id, member);
  }

  async list(auth: AuthContext, id: string): Promise<ImageMemberEntity[]> {
    const img = await this.shared(auth, id);
    const all = await this.members.list(id);
    const mine = isAdmin(auth) || img.owner === auth.projectId ? all : all.filter((m) => m.memberId === auth.projectId);
    return mine;
  }

  async get(auth: AuthContext, id: string, member: string): Promise<ImageMemberEntity> {
    const img = await this.shared(auth, id);
    if (!isAdmin(auth) && img.owner !== auth.projectId && member !== auth.projectId) throw new NotFound(`Member ${member} not found`);
    const m = await this.members.find(id, member);
    if (!m) throw new NotFound(`Member ${member} not found`);
    return m;
  }

  async update(auth: AuthContext, id: string, member: string, body: unknown): Promise<ImageMemberEntity> {
    await this.shared(auth, id);
    const status = (body as { status?: unknown } | null)?.status;
    if (typeof status !== 'string' || !MEMBER_STATUSES.has(status)) throw new BadRequest('status must be one of pending, accepted, rejected');
    if (member !== auth.projectId && !isAdmin(auth)) throw new Forbidden('Only the member itself can accept or reject an image.');
    if (!(await this.members.setStatus(id, member, status))) throw new NotFound(`Member ${member} not found`);
    return this.members.get(id, member);
  }

  async delete(auth: AuthContext, id: string, member: string): Promise<void> {
    const img = await this.shared(auth, id);
    if (!isAdmin(auth) && img.owner !== auth.projectId) throw new Forbidden('Only the owner of an image can remove members.');
    if (!(await this.members.delete(id, member))) throw new NotFound(`Member ${member} not found`);
  }
}
