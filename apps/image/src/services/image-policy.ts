import { Forbidden } from '@kumo/common';
import type { AuthContext } from '@kumo/auth';
import type { ImageEntity } from '../db/entities';

/**
 * Glance's default policy where Kumo needs it (glance/policies/image.py and api/v2/policy.py,
 * 25.x as Debian 12 ships it, and master): admin may do anything; a change needs the `member` role
 * in the image's owner project (`role:admin or (role:member and project_id:%(project_id)s)`).
 */
export function isAdmin(auth: AuthContext): boolean {
  return auth.roles.includes('admin');
}

/** admin, or a member of the owner project. */
export function isOwnerMember(img: ImageEntity, auth: AuthContext): boolean {
  return isAdmin(auth) || (img.owner !== null && img.owner === auth.projectId && auth.roles.includes('member'));
}

/** PATCH, DELETE, upload, tags: admin or a member of the owner project. */
export function mayModify(img: ImageEntity, auth: AuthContext): void {
  if (!isOwnerMember(img, auth)) throw new Forbidden('You are not permitted to modify this image.');
}

/**
 * deactivate / reactivate: `ADMIN_OR_PROJECT_MEMBER` (its deprecated default `rule:default` =
 * `role:admin` is or-ed in while enforce_new_defaults is off), and the legacy owner-or-admin check.
 */
export function mayChangeActivation(img: ImageEntity, auth: AuthContext, action: 'deactivate' | 'reactivate'): void {
  if (!isOwnerMember(img, auth)) throw new Forbidden(`You are not authorized to complete ${action} action.`);
}
