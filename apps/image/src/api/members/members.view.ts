import type { ImageMemberEntity } from '../../db/entities';
import { iso } from '../images/images.view';

/** An image member as Glance v2 shows it. */
export function memberView(m: ImageMemberEntity): Record<string, unknown> {
  return { image_id: m.imageId, member_id: m.memberId, status: m.status, created_at: iso(m.createdAt), updated_at: iso(m.updatedAt), schema: '/v2/schemas/member' };
}

export function memberListView(members: ImageMemberEntity[]): Record<string, unknown> {
  return { members: members.map(memberView), schema: '/v2/schemas/members' };
}
