import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { SwiftError } from './swift-errors';

/** The object headers a version keeps (what the object itself stores). */
const KEPT = /^(content-type$|content-disposition$|content-encoding$|x-object-meta-|x-object-manifest$|x-static-large-object$)/;

export interface VersioningDeps {
  /** the stored object (raw: an SLO manifest, not the large object), or null */
  open(names: string[]): Promise<IncomingMessage | null>;
  write(names: string[], body: Readable, headers: Record<string, string>, length: string | undefined): Promise<{ etag: string; timestamp: string }>;
  /** deletes on every replica; the client-facing status */
  remove(names: string[]): Promise<number>;
  list(account: string, container: string, query: string): Promise<Array<{ name: string }> | null>;
  containerExists(account: string, container: string): Promise<boolean>;
}

export type VersionsMode = { mode: 'stack' | 'history'; location: string };

/** The headers of a stored object that a copy of it keeps. */
function keptHeaders(source: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(source.headers)) if (KEPT.test(k) && v !== undefined) headers[k] = String(v);
  return headers;
}

/** A container's versioning, from its headers: X-Versions-Location (stack) or X-History-Location. */
export function versionsOf(headers: IncomingMessage['headers']): VersionsMode | undefined {
  const stack = headers['x-versions-location'];
  const history = headers['x-history-location'];
  if (typeof history === 'string' && history) return { mode: 'history', location: decodeURIComponent(history) };
  if (typeof stack === 'string' && stack) return { mode: 'stack', location: decodeURIComponent(stack) };
  return undefined;
}

/**
 * Validates X-Versions-Location / X-History-Location (and their X-Remove-* forms) of a container PUT or
 * POST into the two metadata values to store ('' removes): setting one mode clears the other.
 */
export function versioningHeaders(req: IncomingMessage): Record<string, string> {
  const h = req.headers;
  const stack = h['x-versions-location'];
  const history = h['x-history-location'];
  if (stack !== undefined && history !== undefined && stack !== '' && history !== '') {
    throw new SwiftError(400, 'Only one of X-Versions-Location or X-History-Location may be specified');
  }
  const check = (value: string) => {
    let name: string;
    try {
      name = decodeURIComponent(value);
    } catch {
      throw new SwiftError(400, 'Versions location must be UTF-8');
    }
    if (name.includes('/')) throw new SwiftError(400, 'Versions location must be a container name, without "/"');
    if (Buffer.byteLength(name) > 256) throw new SwiftError(400, 'Versions location is longer than 256 bytes');
    return value;
  };
  if (typeof stack === 'string' && stack !== '') return { 'x-versions-location': check(stack), 'x-history-location': '' };
  if (typeof history === 'string' && history !== '') return { 'x-history-location': check(history), 'x-versions-location': '' };
  const out: Record<string, string> = {};
  if (stack === '' || h['x-remove-versions-location'] !== undefined) out['x-versions-location'] = '';
  if (history === '' || h['x-remove-history-location'] !== undefined) out['x-history-location'] = '';
  return out;
}

/** Swift's archive name: the object name's byte length (3 hex digits), the name, '/', the version's timestamp. */
export function versionPrefix(object: string): string {
  return `${Buffer.byteLength(object).toString(16).padStart(3, '0')}${object}/`;
}

/**
 * Object versioning as Swift's versioned_writes: before an object is overwritten (both modes) or deleted
 * (history mode) its current version is copied into the versions container; in stack mode a DELETE
 * restores the newest archived version instead (and removes it from the archive).
 */
export class Versioning {
  constructor(private readonly deps: VersioningDeps) {}

  /** Copies the current object (if any) into the archive container. */
  async archive(names: string[], location: string): Promise<boolean> {
    const source = await this.deps.open(names);
    if (!source) return false;
    if (!(await this.deps.containerExists(names[0], location))) {
      source.destroy();
      throw new SwiftError(412, `The versions container ${location} does not exist`);
    }
    const headers = keptHeaders(source);
    const timestamp = String(source.headers['x-timestamp'] ?? '');
    await this.deps.write([names[0], location, `${versionPrefix(names[2])}${timestamp}`], source, headers, String(source.headers['content-length'] ?? '0'));
    return true;
  }

  /** DELETE of an object in a versioned container; the status the client sees. */
  async delete(names: string[], versions: VersionsMode): Promise<number> {
    if (versions.mode === 'history') {
      await this.archive(names, versions.location);
      return this.deps.remove(names);
    }
    // stack mode: the newest archived version comes back; without one it is a plain delete
    const prefix = versionPrefix(names[2]);
    for (let attempt = 0; attempt < 5; attempt++) {
      const rows = await this.deps.list(names[0], versions.location, `?prefix=${encodeURIComponent(prefix)}&reverse=on&limit=1`);
      const newest = rows?.[0];
      if (!newest) return this.deps.remove(names);
      const archived = [names[0], versions.location, newest.name];
      const source = await this.deps.open(archived);
      if (!source) {
        // listed but gone (a concurrent restore): drop the stale row's object and look again
        await this.deps.remove(archived);
        continue;
      }
      await this.deps.write(names, source, keptHeaders(source), String(source.headers['content-length'] ?? '0'));
      await this.deps.remove(archived);
      return 204;
    }
    throw new SwiftError(503, 'Could not restore the previous version');
  }
}
