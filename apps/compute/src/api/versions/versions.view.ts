import { joinUrl } from '@kumo/common';
import { MAX_VERSION, MIN_VERSION } from '../microversion';

const DESCRIBED_BY = { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' };

/** Nova's version documents (nova/api/openstack/compute/versions.py; API-SURFACE.md §2.5). */
function versions(publicUrl: string) {
  return {
    'v2.0': {
      id: 'v2.0',
      status: 'SUPPORTED',
      version: '',
      min_version: '',
      updated: '2011-01-21T11:33:21Z',
      href: joinUrl(publicUrl, 'v2/'),
      mediaType: 'application/vnd.openstack.compute+json;version=2',
    },
    'v2.1': {
      id: 'v2.1',
      status: 'CURRENT',
      version: MAX_VERSION,
      min_version: MIN_VERSION,
      updated: '2013-07-23T11:33:21Z',
      href: joinUrl(publicUrl, 'v2.1/'),
      mediaType: 'application/vnd.openstack.compute+json;version=2.1',
    },
  };
}

/** `GET /`: every version, v2.0 first, each with its self link. */
export function versionListView(publicUrl: string): Record<string, unknown> {
  return {
    versions: Object.values(versions(publicUrl)).map((v) => ({
      id: v.id,
      status: v.status,
      version: v.version,
      min_version: v.min_version,
      updated: v.updated,
      links: [{ rel: 'self', href: v.href }],
    })),
  };
}

/** `GET /v2` or `GET /v2.1`: one version, its self link first, then describedby and the media types. */
export function versionView(publicUrl: string, id: 'v2.0' | 'v2.1'): Record<string, unknown> {
  const v = versions(publicUrl)[id];
  return {
    version: {
      id: v.id,
      status: v.status,
      version: v.version,
      min_version: v.min_version,
      updated: v.updated,
      links: [{ rel: 'self', href: v.href }, DESCRIBED_BY],
      'media-types': [{ base: 'application/json', type: v.mediaType }],
    },
  };
}
