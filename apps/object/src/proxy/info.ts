import { LIMITS } from './request-checks';
import { TEMPURL_DIGESTS, TEMPURL_METHODS } from './tempurl';

/** The one storage policy (Swift's default name); every container is in it. */
export const STORAGE_POLICY = 'Policy-0';

/** What `/info` says: Swift's capabilities document, listing exactly what this service implements. */
export function infoDocument(): Record<string, unknown> {
  return {
    swift: {
      version: 'kumo-0.1',
      ...LIMITS,
      strict_cors_mode: true,
      policies: [{ name: STORAGE_POLICY, aliases: STORAGE_POLICY, default: true }],
    },
    slo: {
      max_manifest_segments: 1000,
      max_manifest_size: 8 * 1024 * 1024,
      min_segment_size: 1,
      yield_frequency: 10,
    },
    dlo: { max_segments: 10000 },
    tempurl: {
      methods: TEMPURL_METHODS,
      allowed_digests: TEMPURL_DIGESTS,
      incoming_remove_headers: ['x-timestamp'],
      incoming_allow_headers: [],
      outgoing_remove_headers: ['x-object-meta-*'],
      outgoing_allow_headers: ['x-object-meta-public-*'],
    },
    versioned_writes: { allowed_flags: ['x-versions-location', 'x-history-location'] },
  };
}
