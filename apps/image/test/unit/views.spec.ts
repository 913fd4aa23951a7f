import { Readable } from 'node:stream';
import type { ImageEntity, ImageMemberEntity } from '../../src/db/entities';
import { downloadView, imageListView, imageView } from '../../src/api/images/images.view';
import { memberView } from '../../src/api/members/members.view';

const at = new Date('2026-01-02T03:04:05.678Z');
const image = {
  id: '11111111-2222-3333-4444-555555555555',
  name: 'tiny',
  status: 'active',
  visibility: 'shared',
  protected: false,
  osHidden: false,
  checksum: 'c',
  osHashAlgo: 'sha512',
  osHashValue: 'h',
  size: 10,
  virtualSize: 10,
  minDisk: 0,
  minRam: 0,
  diskFormat: 'raw',
  containerFormat: 'bare',
  owner: 'p',
  properties: { os_distro: 'busybox', name: 'not the name' },
  location: 'file:///secret',
  createdAt: at,
  updatedAt: at,
  deletedAt: null,
} as ImageEntity;

/** The wire shapes: Glance v2's JSON, rendered in api/ from what the services return. */
describe('image views', () => {
  it('renders an image as Glance: properties at the top level, core attributes winning, no location, times to the second', () => {
    const v = imageView(image, ['a', 'b']);
    expect(v).toMatchObject({ id: image.id, name: 'tiny', os_distro: 'busybox', tags: ['a', 'b'], created_at: '2026-01-02T03:04:05Z', self: `/v2/images/${image.id}`, file: `/v2/images/${image.id}/file`, schema: '/v2/schemas/image' });
    expect(JSON.stringify(v)).not.toContain('secret');
  });

  it('links the next page with the request query and the marker', () => {
    const page = imageListView({ images: [{ image, tags: [] }], next: image.id }, '/v2/images?limit=1&marker=old');
    expect(page).toMatchObject({ first: '/v2/images', schema: '/v2/schemas/images', next: `/v2/images?limit=1&marker=${image.id}` });
    expect(imageListView({ images: [] }, '/v2/images')).not.toHaveProperty('next');
  });

  it('answers a download 204 without data, 206 for a span, 200 otherwise', () => {
    const body = Readable.from([]);
    expect(downloadView({ size: 0, checksum: null })).toEqual({ status: 204, headers: {} });
    expect(downloadView({ size: 10, checksum: 'c', body, span: { start: 2, end: 4 } })).toMatchObject({ status: 206, headers: { 'content-length': 3, 'content-range': 'bytes 2-4/10', 'content-md5': 'c' } });
    expect(downloadView({ size: 10, checksum: 'c', body })).toMatchObject({ status: 200, headers: { 'content-length': 10, 'content-type': 'application/octet-stream' } });
  });

  it('renders a member', () => {
    const m = { imageId: image.id, memberId: 'p2', status: 'pending', createdAt: at, updatedAt: at } as ImageMemberEntity;
    expect(memberView(m)).toEqual({ image_id: image.id, member_id: 'p2', status: 'pending', created_at: '2026-01-02T03:04:05Z', updated_at: '2026-01-02T03:04:05Z', schema: '/v2/schemas/member' });
  });
});
