import type { Readable } from 'node:stream';
import type { ImageEntity } from '../../db/entities';
import type { ImageData, ImageWithTags } from '../../services/images.service';

/** Glance's time format: ISO 8601 to the second, `Z`. */
export function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An image as Glance v2 shows it: its properties at the top level beside the core attributes. */
export function imageView(img: ImageEntity, tags: string[]): Record<string, unknown> {
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
    tags,
    created_at: iso(img.createdAt),
    updated_at: iso(img.updatedAt),
    self: `/v2/images/${img.id}`,
    file: `/v2/images/${img.id}/file`,
    schema: '/v2/schemas/image',
  };
}

export function imageWithTagsView(x: ImageWithTags): Record<string, unknown> {
  return imageView(x.image, x.tags);
}

/** `GET /v2/images`: a page, with the next link keeping the request's query and the last image as marker. */
export function imageListView(page: { images: ImageWithTags[]; next?: string }, requestUrl: string): Record<string, unknown> {
  const body: Record<string, unknown> = { images: page.images.map(imageWithTagsView), first: '/v2/images', schema: '/v2/schemas/images' };
  if (page.next) {
    const params = new URLSearchParams(requestUrl.split('?')[1] ?? '');
    params.set('marker', page.next);
    body.next = `/v2/images?${params.toString()}`;
  }
  return body;
}

/** `GET /v2/images/{id}/file`: 204 without data, 206 for a range, else 200; Content-MD5 is the checksum. */
export function downloadView(data: ImageData): { status: 200 | 204 | 206; body?: Readable; headers: Record<string, string | number> } {
  if (!data.body) return { status: 204, headers: {} };
  const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'content-md5': data.checksum ?? '' };
  if (data.span) return { status: 206, body: data.body, headers: { ...headers, 'content-length': data.span.end - data.span.start + 1, 'content-range': `bytes ${data.span.start}-${data.span.end}/${data.size}` } };
  return { status: 200, body: data.body, headers: { ...headers, 'content-length': data.size } };
}
