import { BadRequest, Conflict, Forbidden, PayloadTooLarge } from '@kumo/common';
import type { AuthContext } from '@kumo/auth';
import type { ImageConfig } from '../config';
import type { ImageEntity } from '../db/entities';
import { isAdmin } from './image-policy';

/** Attributes a client can never set (Glance answers 403 "Attribute 'x' is read-only."). */
export const READ_ONLY: ReadonlySet<string> = new Set(['id', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size', 'created_at', 'updated_at', 'self', 'file', 'schema', 'direct_url', 'locations', 'deleted', 'deleted_at']);
/** Attributes with their own column and rules (Glance's image attributes: `hasattr(image, name)`). */
export const CORE: ReadonlySet<string> = new Set(['name', 'visibility', 'protected', 'os_hidden', 'min_disk', 'min_ram', 'disk_format', 'container_format', 'owner', 'tags']);
const VISIBILITIES: ReadonlySet<string> = new Set(['public', 'private', 'shared', 'community']);

/** NUL cannot be stored faithfully and no client means it: refused wherever a string is kept. */
export function refuseNul(what: string, value: string): void {
  if (value.includes('\u0000')) throw new BadRequest(`${what} must not contain NUL characters`);
}

export function checkTag(tag: unknown): string {
  if (typeof tag !== 'string' || tag.length === 0 || tag.length > 255) throw new BadRequest('tags must be a list of strings of 1 to 255 characters');
  refuseNul('A tag', tag);
  return tag;
}

/** Glance's quotas per image (`image_*_quota`; negative = none), each over → 413 with Glance's message. */
export function enforceQuota(kind: 'properties' | 'tags' | 'members', attempted: number, maximum: number): void {
  if (maximum < 0 || attempted <= maximum) return;
  const what = kind === 'members' ? 'image members for this image' : `image ${kind}`;
  throw new PayloadTooLarge(`The limit has been exceeded on the number of allowed ${what}. Attempted: ${attempted}, Maximum: ${maximum}`);
}

/**
 * An image being created or changed: the entity's columns, its properties in a Map (so every name, even
 * `__proto__` or `constructor`, is an ordinary key, and each change costs O(1)), and its tags. `finish`
 * enforces the quotas once, on the result, and writes the properties back.
 */
export class ImageDraft {
  private readonly props: Map<string, string>;
  private tagSet: Set<string>;
  tagsChanged = false;

  constructor(
    readonly img: ImageEntity,
    tags: string[],
    private readonly auth: AuthContext,
    private readonly config: ImageConfig['image'],
  ) {
    this.props = new Map(Object.entries(img.properties));
    this.tagSet = new Set(tags);
  }

  /** Whether the attribute exists (a core attribute always does, as in Glance). */
  has(key: string): boolean {
    return CORE.has(key) || this.props.has(key);
  }

  /** Sets one attribute (create, PATCH add/replace). */
  set(key: string, value: unknown): void {
    if (READ_ONLY.has(key)) throw new Forbidden(`Attribute '${key}' is read-only.`);
    const img = this.img;
    switch (key) {
      case 'name':
        if (value !== null && (typeof value !== 'string' || value.length > 255)) throw new BadRequest('name must be a string of at most 255 characters');
        if (value !== null) refuseNul('The name', value);
        img.name = value;
        return;
      case 'visibility':
        if (typeof value !== 'string' || !VISIBILITIES.has(value)) throw new BadRequest(`Invalid visibility value: ${String(value)}`);
        if (value === 'public' && !isAdmin(this.auth)) throw new Forbidden('You are not authorized to complete publicize_image action.');
        img.visibility = value;
        return;
      case 'protected':
      case 'os_hidden':
        if (typeof value !== 'boolean') throw new BadRequest(`${key} must be true or false`);
        if (key === 'protected') img.protected = value;
        else img.osHidden = value;
        return;
      case 'min_disk':
      case 'min_ram': {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) throw new BadRequest(`${key} must be a non-negative integer, not ${JSON.stringify(value)}`);
        if (key === 'min_disk') img.minDisk = value;
        else img.minRam = value;
        return;
      }
      case 'disk_format':
      case 'container_format': {
        if (img.status !== 'queued') throw new Forbidden(`Attribute ${key} can be only replaced for a queued image.`);
        const allowed = key === 'disk_format' ? this.config.disk_formats : this.config.container_formats;
        if (value !== null && (typeof value !== 'string' || !allowed.includes(value))) {
          throw new BadRequest(`Invalid value '${String(value)}' for ${key}: it must be one of ${allowed.join(', ')}`);
        }
        if (key === 'disk_format') img.diskFormat = value;
        else img.containerFormat = value;
        return;
      }
      case 'owner':
        if (!isAdmin(this.auth) && value !== this.auth.projectId) throw new Forbidden("Attribute 'owner' can only be set to another project by an admin.");
        if (value !== null && typeof value !== 'string') throw new BadRequest('owner must be a project id');
        if (value !== null) refuseNul('The owner', value);
        img.owner = value;
        return;
      case 'tags':
        if (!Array.isArray(value)) throw new BadRequest('tags must be a list of strings of 1 to 255 characters');
        this.tagSet = new Set(value.map(checkTag));
        this.tagsChanged = true;
        return;
      default:
        this.checkKey(key);
        if (typeof value !== 'string') throw new BadRequest(`Property ${key} must be a string, not ${JSON.stringify(value)}`);
        if (value.length > 65535) throw new BadRequest(`Property ${key} is longer than 65535 characters`);
        refuseNul(`The value of property ${key}`, value);
        this.props.set(key, value);
    }
  }

  /** PATCH remove: a core attribute may not be removed (403), an absent property is 409, as in Glance. */
  remove(key: string): void {
    if (READ_ONLY.has(key)) throw new Forbidden(`Attribute '${key}' is read-only.`);
    if (CORE.has(key)) throw new Forbidden(`Property ${key} may not be removed.`);
    this.checkKey(key);
    if (!this.props.delete(key)) throw new Conflict(`Property ${key} does not exist.`);
  }

  /** `/tags/-` (Kumo's extension: Glance takes only `/tags`). */
  addTag(tag: unknown): void {
    this.tagSet.add(checkTag(tag));
    this.tagsChanged = true;
  }

  /** `/tags/N`. */
  removeTagAt(index: number): void {
    const list = [...this.tagSet];
    if (index >= list.length) throw new Conflict(`Tag number ${index} does not exist.`);
    list.splice(index, 1);
    this.tagSet = new Set(list);
    this.tagsChanged = true;
  }

  /** Enforces the quotas on the result and writes the properties back; returns the tags, sorted. */
  finish(): string[] {
    enforceQuota('properties', this.props.size, this.config.image_property_quota);
    enforceQuota('tags', this.tagSet.size, this.config.image_tag_quota);
    this.img.properties = Object.fromEntries(this.props);
    return [...this.tagSet].sort();
  }

  private checkKey(key: string): void {
    if (key.length === 0 || key.length > 255) throw new BadRequest('Custom property should not be greater than 255 characters.');
    refuseNul('A property name', key);
  }
}
