import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { nowTimestamp } from '../../common/timestamp';
import type { BackendClient } from '../backend-client';
import { checkObjectManifest, LargeObjects } from '../large-objects';
import type { ObjectReader } from '../object-reader';
import type { ObjectWriter } from '../object-writer';
import { bestStatus } from '../quorum';
import type { ProxyRequest } from '../request';
import { deleteAtHeader, LIMITS, metaHeaders, splitCopyPath } from '../request-checks';
import { plain, sendJson } from '../responses';
import { parseRange, rangesForLength } from '../byte-range';
import { SwiftError } from '../swift-errors';
import { Versioning, versionsOf } from '../versioning';
import type { ProxyController } from './controller';

export interface ObjectControllerParts {
  backends: BackendClient;
  reader: ObjectReader;
  writer: ObjectWriter;
  largeObjects: LargeObjects;
  versioning: Versioning;
}

/**
 * `/v1/<account>/<container>/<object>` (Swift's ObjectController with the copy, SLO/DLO and versioning
 * middlewares' parts): what each request asks for; the bytes go through the object writer and reader.
 */
export class ObjectController implements ProxyController {
  private readonly backends: BackendClient;
  private readonly reader: ObjectReader;
  private readonly writer: ObjectWriter;
  private readonly largeObjects: LargeObjects;
  private readonly versioning: Versioning;

  constructor(parts: ObjectControllerParts) {
    ({ backends: this.backends, reader: this.reader, writer: this.writer, largeObjects: this.largeObjects, versioning: this.versioning } = parts);
  }

  async PUT(r: ProxyRequest): Promise<void> {
    const names = [r.account, r.container!, r.object!];
    checkManifestHeader(r);
    if (r.req.headers['if-none-match'] !== undefined) await this.checkIfNoneMatch(r, names);
    if (r.req.headers['x-copy-from'] !== undefined) return this.copyObject(r, String(r.req.headers['x-copy-from']), names);
    if (r.query.get('multipart-manifest') === 'put') {
      const manifest = await this.largeObjects.buildSloManifest(r.req, r.account);
      return this.putObject(r, names, { stream: Readable.from([manifest.body]), headers: manifest.headers }, { etag: manifest.etag });
    }
    if (r.req.headers['x-static-large-object'] !== undefined) throw new SwiftError(400, 'X-Static-Large-Object is a reserved header; use ?multipart-manifest=put');
    return this.putObject(r, names);
  }

  COPY(r: ProxyRequest): Promise<void> {
    const dest = r.req.headers.destination;
    if (typeof dest !== 'string') throw new SwiftError(412, 'Destination header required');
    const target = splitCopyPath(dest, 'Destination');
    return this.copyObject(r, `/${r.container}/${r.object}`, [r.account, target[0], target[1]]);
  }

  GET(r: ProxyRequest): Promise<void> {
    return this.getObject(r, [r.account, r.container!, r.object!]);
  }

  HEAD(r: ProxyRequest): Promise<void> {
    return this.GET(r);
  }

  async POST(r: ProxyRequest): Promise<void> {
    const names = [r.account, r.container!, r.object!];
    checkManifestHeader(r);
    const headers: Record<string, string> = { 'x-timestamp': nowTimestamp(), ...metaHeaders(r.req, 'object') };
    for (const h of ['content-type', 'content-disposition', 'content-encoding', 'x-object-manifest']) {
      if (r.req.headers[h] !== undefined) headers[h] = String(r.req.headers[h]);
    }
    const deleteAt = deleteAtHeader(r.req);
    if (deleteAt) headers['x-delete-at'] = deleteAt;
    const statuses = await this.backends.fanoutWithContainer(names, 'POST', headers);
    const status = bestStatus(statuses, this.backends.rings.objectRing.replicas);
    if (status === 404) throw new SwiftError(404);
    return plain(r.res, status, '');
  }

  async DELETE(r: ProxyRequest): Promise<void> {
    const names = [r.account, r.container!, r.object!];
    if (r.query.get('multipart-manifest') === 'delete') {
      const result = await this.largeObjects.deleteSlo(r.account, names, (n) => this.backends.deleteObject(n));
      return sendJson(r.res, result);
    }
    const container = await this.backends.containerInfo(names[0], names[1]);
    const versions = container.status < 300 ? versionsOf(container.headers) : undefined;
    const status = versions ? await this.versioning.delete(names, versions) : await this.backends.deleteObject(names);
    if (status === 404) throw new SwiftError(404);
    return plain(r.res, status, '');
  }

  /** An object PUT's If-None-Match: only `*` (Swift: 400 otherwise), and 412 when the object exists. */
  private async checkIfNoneMatch(r: ProxyRequest, names: string[]): Promise<void> {
    const tags = String(r.req.headers['if-none-match']).split(',').map((t) => t.trim());
    if (!tags.includes('*')) throw new SwiftError(400, 'If-None-Match only supports *');
    const got = await this.backends.readFirst(this.backends.rings.objectRing, names, 'HEAD');
    if (got.status < 300) throw new SwiftError(412);
    if (got.status !== 404) throw new SwiftError(503);
  }

  private async putObject(
    r: ProxyRequest,
    names: string[],
    copy?: { stream: Readable; headers: Record<string, string> },
    extraResponse: Record<string, string> = {},
  ): Promise<void> {
    const req: Readable = copy ? copy.stream : r.req;
    const length = copy ? copy.headers['content-length'] : r.req.headers['content-length'];
    const chunked = !copy && String(r.req.headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked');
    if (length === undefined && !chunked) throw new SwiftError(411);
    if (length !== undefined && (!/^\d+$/.test(String(length)))) throw new SwiftError(400, 'Invalid Content-Length');
    if (length !== undefined && Number(length) > LIMITS.max_file_size) throw new SwiftError(413);
    const container = await this.backends.containerInfo(names[0], names[1]);
    if (container.status === 404) throw new SwiftError(404);
    if (container.status >= 300) throw new SwiftError(503);
    const headers: Record<string, string> = {
      ...(copy?.headers ?? {}),
      'content-type': copy?.headers['content-type'] ?? String(r.req.headers['content-type'] ?? 'application/octet-stream'),
      ...metaHeaders(r.req, 'object'),
    };
    // a copy's inherited keys that the request removes
    for (const [k, v] of Object.entries(r.req.headers)) {
      if (k.startsWith('x-remove-object-meta-')) delete headers[`x-object-meta-${k.slice('x-remove-object-meta-'.length)}`];
      else if (k.startsWith('x-object-meta-') && String(v) === '') delete headers[k];
    }
    for (const h of ['content-disposition', 'content-encoding', 'x-object-manifest', ...(copy ? [] : ['etag'])]) {
      if (r.req.headers[h] !== undefined) headers[h] = String(r.req.headers[h]);
    }
    const deleteAt = deleteAtHeader(r.req);
    if (deleteAt) headers['x-delete-at'] = deleteAt;
    delete headers['content-length'];
    const versions = versionsOf(container.headers);
    if (versions) await this.versioning.archive(names, versions.location);
    const { etag, timestamp } = await this.writer.write(names, req, headers, length === undefined ? undefined : String(length));
    plain(r.res, 201, '', { etag, 'last-modified': new Date(Math.ceil(Number(timestamp)) * 1000).toUTCString(), ...extraResponse });
    // (an SLO manifest PUT answers with the large object's etag, quoted, instead of the manifest's)
  }

  /**
   * Server-side copy (COPY, or PUT with X-Copy-From), as Swift's copy middleware: the source's bytes
   * (a large object's content, unless `?multipart-manifest=get` copies the manifest itself; one
   * `Range` copies that part) and metadata, the request's metadata on top.
   */
  private async copyObject(r: ProxyRequest, from: string, dest: string[]): Promise<void> {
    const [sc, so] = splitCopyPath(from, 'X-Copy-From');
    const source = await this.reader.open([r.account, sc, so]);
    if (!source) throw new SwiftError(404);
    const manifestCopy = r.query.get('multipart-manifest') === 'get';
    const inherited: Record<string, string> = {};
    if (String(r.req.headers['x-fresh-metadata'] ?? '').toLowerCase() !== 'true') {
      for (const [k, v] of Object.entries(source.headers)) if (/^(x-object-meta-|content-disposition|content-encoding)/.test(k)) inherited[k] = String(v);
    }
    // a manifest copied as such stays a manifest
    if (manifestCopy) for (const h of ['x-static-large-object', 'x-object-manifest']) if (source.headers[h] !== undefined) inherited[h] = String(source.headers[h]);
    const range = r.req.headers.range;
    let body: { stream: Readable; length: number } | null = manifestCopy ? null : await this.largeObjects.content(r.req, source, r.account, range);
    if (!body) body = await this.sourcePart([r.account, sc, so], source, manifestCopy ? undefined : range);
    const headers: Record<string, string> = {
      ...inherited,
      'content-type': String(r.req.headers['content-type'] ?? source.headers['content-type'] ?? 'application/octet-stream'),
      'content-length': String(body.length),
    };
    const extra = {
      'x-copied-from': `${sc}/${so}`.split('/').map(encodeURIComponent).join('/'),
      'x-copied-from-last-modified': String(source.headers['last-modified'] ?? ''),
    };
    return this.putObject({ ...r, container: dest[1], object: dest[2] }, dest, { stream: body.stream, headers }, extra);
  }

  /** A plain source object's bytes for a copy: all of them, or the one range `range` asks for (416 when none is satisfiable). */
  private async sourcePart(names: string[], source: IncomingMessage, range: string | undefined): Promise<{ stream: Readable; length: number }> {
    const size = Number(source.headers['content-length'] ?? 0);
    const specs = parseRange(range);
    const ranges = specs ? rangesForLength(specs, size) : [];
    if (specs && ranges.length === 0) {
      source.destroy();
      throw new SwiftError(416);
    }
    // several ranges: the whole object (Swift would store the multipart/byteranges document)
    if (ranges.length !== 1 || (ranges[0][0] === 0 && ranges[0][1] === size - 1)) return { stream: source, length: size };
    source.destroy();
    const [first, last] = ranges[0];
    const part = await this.reader.openReplica(names, new Set(), `bytes=${first}-${last}`);
    if (!part || String(part.res.headers.etag ?? '') !== String(source.headers.etag ?? '')) {
      part?.res.destroy();
      throw new SwiftError(503, 'The copy source changed or is unavailable');
    }
    return { stream: part.res, length: last - first + 1 };
  }

  private async getObject(r: ProxyRequest, names: string[]): Promise<void> {
    const source = await this.reader.open(names);
    if (!source) throw new SwiftError(404);
    const manifest = r.query.get('multipart-manifest');
    if (manifest !== 'get' && String(source.headers['x-static-large-object'] ?? '').toLowerCase() === 'true') {
      return this.largeObjects.serve(r.req, r.res, source, r.account);
    }
    if (manifest !== 'get' && typeof source.headers['x-object-manifest'] === 'string') {
      return this.largeObjects.serve(r.req, r.res, source, r.account);
    }
    return this.reader.respond(r, source, r.req.headers.range);
  }
}

/** An X-Object-Manifest on a PUT or POST must name `<container>/<prefix>` (Swift's dlo check). */
function checkManifestHeader(r: ProxyRequest): void {
  if (r.req.headers['x-object-manifest'] !== undefined) checkObjectManifest(String(r.req.headers['x-object-manifest']));
}
