/** Version documents (API-SURFACE.md §0.2): clients discover versions without a token. */
export interface VersionInfo {
  id: string;
  status: 'CURRENT' | 'SUPPORTED' | 'DEPRECATED' | 'EXPERIMENTAL' | 'stable';
  updated: string;
  /** Externally reachable base URL of this version, e.g. http://H:5000/v3/ */
  href: string;
  mediaType: string;
  minVersion?: string;
  version?: string;
}

export function versionEntry(v: VersionInfo): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    id: v.id,
    status: v.status,
    updated: v.updated,
    links: [{ rel: 'self', href: v.href }],
    'media-types': [{ base: 'application/json', type: v.mediaType }],
  };
  if (v.minVersion !== undefined) entry.min_version = v.minVersion;
  if (v.version !== undefined) entry.version = v.version;
  return entry;
}

/** Joins a base URL and a path with exactly one slash. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
