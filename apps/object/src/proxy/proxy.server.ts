import { createHash } from 'node:crypto';
import { ClientRequest, createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { Logger } from '@kumo/common';
import { reclaimBodyBuffers, runWithContext, Unauthorized } from '@kumo/common';
import type { AuthContext, TokenValidator } from '@kumo/auth';
import type { Ring } from '../ring/ring';
import type { RingDevice } from '../ring/ring-types';
import { BlockHasher, blocksDigest, SMALL_BODY_BYTES } from '../common/body-digest';
import { backendAgent, backendRequest, devicePath } from '../common/backend';
import { nowTimestamp } from '../common/timestamp';
import { bestStatus, quorum, quorumOrAll } from './quorum';
import { allowsListings, allowsReferrer, grantsUser, parseAcl } from './acl';
import { answerClientError, MAX_REQUEST_LINE, txId } from './client-errors';
import { parseRange, pipePart, rangesForLength, sendByteranges } from './byte-range';
import { checkObjectManifest, LargeObjects } from './large-objects';
import { listingHeaders, renderListing } from './listing-format';
import { checkMethod, objectRoute } from './routes';
import { parseTempUrl, TEMPURL_METHODS, tempUrlDisposition, TempUrlParams, validTempUrl } from './tempurl';
import { Versioning, versionsOf } from './versioning';
import { infoDocument, STORAGE_POLICY } from './info';
import { checkNames, containerAcls, deleteAtHeader, LIMITS, metaHeaders, splitCopyPath } from './request-checks';
import { sendSwiftError, SwiftError } from './swift-errors';

export interface ProxyOptions {
  accountRing: Ring;
  containerRing: Ring;
  objectRing: Ring;
  validator: TokenValidator;
  logger: Logger;
  /** identity's public URL, for WWW-Authenticate */
  identityUri: string;
  /**
   * How long the last replica of a write may take once a quorum stored it (default 500 ms, Swift's
   * post_quorum_timeout); tests that look at every replica right after a PUT set it long.
   */
  postQuorumMs?: number;
}

/** How long a storage node has to accept a PUT (100 Continue) before a handoff takes its place. */
const CONNECT_TIMEOUT_MS = 3_000;
/** How long a node may take to store a small object before its handoff is tried. */
const SMALL_PUT_TIMEOUT_MS = 10_000;

/** A client's body of `length` bytes (at most SMALL_BODY_BYTES) read whole; 499 when the client leaves. */
async function readSmallBody(body: Readable, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      got += chunk.length;
    }
  } catch {
    throw new SwiftError(499);
  }
  if (got !== length) throw new SwiftError(499);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
/** How long the proxy trusts what it learnt of a container (Swift's recheck_container_existence is 60 s). */
const CONTAINER_INFO_TTL_MS = 5_000;


interface Req {
  req: IncomingMessage;
  res: ServerResponse;
  txId: string;
  account: string;
  container?: string;
  object?: string;
  query: URLSearchParams;
  /** undefined for an anonymous request that an ACL or a temp URL allowed */
  auth: AuthContext | undefined;
  /** set when a temp URL signature authorized the request */
  tempUrl?: TempUrlParams;
}

/**
 * The Swift v1 proxy: authenticates with identity tokens (libs/auth), finds replicas on the rings,
 * fans writes out to every replica and answers at quorum, reads from the first replica that has
 * the data, and renders listings as JSON, text or XML.
 */
export class ProxyServer {
  private server?: Server;
  private readonly largeObjects: LargeObjects;
  private readonly versioning: Versioning;

  constructor(private readonly opts: ProxyOptions) {
    this.largeObjects = new LargeObjects({
      open: async (names, range) => (range ? ((await this.openReplica(names, new Set(), range))?.res ?? null) : this.openObject(names)),
      list: (account, container, query) => this.listContainer(account, container, query),
    });
    this.versioning = new Versioning({
      open: (names) => this.openObject(names),
      write: (names, body, headers, length) => this.writeObject(names, body, headers, length),
      remove: (names) => this.deleteObject(names),
      list: (account, container, query) => this.listContainer(account, container, query),
      containerExists: async (account, container) => (await this.containerInfo(account, container)).status < 300,
    });
  }

  /**
   * A container's HEAD (existence, ACLs, versioning), cached for CONTAINER_INFO_TTL_MS as Swift's proxy
   * caches container info: object requests need it on every PUT and DELETE. Changes made through this
   * proxy drop the entry at once; other proxies see them within the TTL.
   */
  private async containerInfo(account: string, container: string): Promise<Awaited<ReturnType<typeof backendRequest>>> {
    const key = `${account}/${container}`;
    const hit = this.containerCache.get(key);
    if (hit && Date.now() - hit.at < CONTAINER_INFO_TTL_MS) return hit.info;
    const info = await this.readFirst(this.opts.containerRing, [account, container], 'HEAD');
    // only definite answers are kept (a 503 is asked again next time)
    if (info.status < 300 || info.status === 404) {
      if (this.containerCache.size > 10_000) this.containerCache.clear();
      this.containerCache.set(key, { info, at: Date.now() });
    }
    return info;
  }

  private readonly containerCache = new Map<string, { info: Awaited<ReturnType<typeof backendRequest>>; at: number }>();

  /** One page of a container listing as rows (JSON from the container servers). */
  async listContainer(account: string, container: string, query: string): Promise<Array<{ name: string; size: number; etag?: string; contentType?: string; timestamp: string }> | null> {
    const got = await this.readFirst(this.opts.containerRing, [account, container], 'GET', query);
    if (got.status !== 200) return null;
    return JSON.parse(got.body.toString()) as Array<{ name: string; size: number; etag?: string; contentType?: string; timestamp: string }>;
  }

  async listen(port: number, host: string): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('clientError', (err: Error & { code?: string }, socket: Socket) => answerClientError(err, socket, this.opts.logger));
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
  }

  port(): number {
    return (this.server!.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    if (this.server) await new Promise((r) => this.server!.close(r));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = txId();
    const started = Date.now();
    res.setHeader('x-trans-id', id);
    res.setHeader('x-openstack-request-id', id);
    res.on('finish', () => this.opts.logger.info({ txId: id, method: req.method, path: req.url?.split('?')[0], status: res.statusCode, ms: Date.now() - started }, 'request'));
    try {
      await runWithContext({ requestId: id }, () => this.route(req, res, id));
    } catch (err) {
      // an answer before the body was read: the connection cannot carry another request
      if (!req.complete && !res.headersSent) res.setHeader('connection', 'close');
      if (err instanceof SwiftError) return sendSwiftError(res, err.status, err.detail, err.headers);
      if (err instanceof Unauthorized) return sendSwiftError(res, 401, undefined, { 'www-authenticate': `Keystone uri="${this.opts.identityUri}"` });
      this.opts.logger.error({ err, txId: id }, 'proxy request failed');
      sendSwiftError(res, 500);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    // the path as sent (WHATWG URL parsing would resolve `..` segments into another object's name)
    const raw = req.url ?? '/';
    if (raw.length > MAX_REQUEST_LINE) throw new SwiftError(414, `The request URL is longer than ${MAX_REQUEST_LINE} bytes.`);
    const q = raw.indexOf('?');
    const url = { pathname: q < 0 ? raw : raw.slice(0, q), searchParams: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
    if (url.pathname === '/info' || url.pathname === '/healthcheck') {
      checkMethod(objectRoute(url.pathname), req.method);
      return url.pathname === '/info' ? this.info(res) : this.plain(res, 200, 'OK');
    }
    const m = /^\/v1\/([^/]+)(?:\/([^/]*))?(?:\/(.+))?$/.exec(url.pathname);
    if (!m) throw new SwiftError(404);
    let account: string;
    let container: string | undefined;
    let object: string | undefined;
    try {
      account = decodeURIComponent(m[1]);
      container = m[2] !== undefined && m[2] !== '' ? decodeURIComponent(m[2]) : undefined;
      object = m[3] !== undefined ? decodeURIComponent(m[3]) : undefined;
    } catch {
      throw new SwiftError(412, 'Invalid UTF8 or contains NULL');
    }
    if (object !== undefined && container === undefined) throw new SwiftError(404);
    checkNames(account, container, object);
    checkMethod(objectRoute(object !== undefined ? '/v1/{account}/{container}/{object}' : container !== undefined ? '/v1/{account}/{container}' : '/v1/{account}'), req.method);
    const write = !['GET', 'HEAD'].includes(req.method ?? 'GET');
    const tempUrl = object !== undefined && url.searchParams.has('temp_url_sig') ? await this.checkTempUrl(req, url.searchParams, account, container!, object) : undefined;
    const auth = tempUrl ? undefined : await this.authorize(req, account, container, object, write);
    // Swift's bulk middleware is not part of this service (/info does not list it): without it Swift
    // would take these for a plain account POST or container PUT and answer 2xx having done nothing asked
    for (const op of ['bulk-delete', 'extract-archive']) {
      if (url.searchParams.has(op)) throw new SwiftError(400, `${op} is not supported by this object service (/info lists what it implements)`);
    }
    const r: Req = { req, res, txId: id, account, container, object, query: url.searchParams, auth, tempUrl };
    if (object !== undefined) return this.objectRequest(r);
    if (container !== undefined) return this.containerRequest(r);
    return this.accountRequest(r);
  }

  /**
   * `AUTH_<project>` belongs to that project: admin and member write, reader reads; admin reaches
   * every account. Others (and anonymous requests) get only what the container's ACLs grant.
   */
  private async authorize(req: IncomingMessage, account: string, container: string | undefined, object: string | undefined, write: boolean): Promise<AuthContext | undefined> {
    const token = req.headers['x-auth-token'] ?? req.headers['x-storage-token'];
    const auth = typeof token === 'string' && token ? await this.opts.validator.validate(token) : undefined;
    if (auth && (account === `AUTH_${auth.projectId}` || auth.roles.includes('admin'))) {
      if (write && !auth.roles.includes('member') && !auth.roles.includes('admin')) throw new SwiftError(403);
      return auth;
    }
    const denied = () => (auth ? new SwiftError(403) : new Unauthorized('no token'));
    // ACLs are on containers; object writes check X-Container-Write, reads X-Container-Read
    if (container === undefined || (write && object === undefined)) throw denied();
    const head = await this.containerInfo(account, container);
    if (head.status !== 204 && head.status !== 200) throw denied();
    const grants = parseAcl(head.headers[write ? 'x-container-write' : 'x-container-read'] as string | undefined);
    if (auth && grantsUser(grants, auth)) return auth;
    if (!write && allowsReferrer(grants, req.headers.referer) && (object !== undefined || allowsListings(grants))) return auth;
    throw denied();
  }

  /** A temp URL request's parameters when its signature is valid for one of the account's or container's keys; 401 otherwise. */
  private async checkTempUrl(req: IncomingMessage, query: URLSearchParams, account: string, container: string, object: string): Promise<TempUrlParams> {
    const params = parseTempUrl(query);
    const invalid = () => new SwiftError(401, 'Temp URL invalid');
    if (!params || !TEMPURL_METHODS.includes(req.method ?? '')) throw invalid();
    const [acct, cont] = await Promise.all([this.readFirst(this.opts.accountRing, [account], 'HEAD'), this.containerInfo(account, container)]);
    const keys = [
      acct.headers['x-account-meta-temp-url-key'],
      acct.headers['x-account-meta-temp-url-key-2'],
      cont.headers['x-container-meta-temp-url-key'],
      cont.headers['x-container-meta-temp-url-key-2'],
    ].filter((k): k is string => typeof k === 'string' && k !== '');
    if (!validTempUrl(params, req.method!, `/v1/${account}/${container}/${object}`, keys)) throw invalid();
    return params;
  }

  /** A text answer; an error status (a backend's 404 or 503 passed on) gets Swift's error body instead. */
  private plain(res: ServerResponse, status: number, body: string, headers: Record<string, string | number> = {}): void {
    if (status >= 400) return sendSwiftError(res, status, body || undefined, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])));
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  private info(res: ServerResponse): void {
    const body = JSON.stringify(infoDocument());
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  // ---- accounts and containers ------------------------------------------------------------

  /** Sends a request to every replica of `hashOn` (default: the names themselves) at path `names`. */
  private async fanout(
    ring: Ring,
    names: string[],
    method: string,
    headers: Record<string, string | number>,
    hashOn: string[] = names,
  ): Promise<{ statuses: number[]; responses: Awaited<ReturnType<typeof backendRequest>>[] }> {
    const { part, nodes } = ring.getNodes(hashOn[0], hashOn[1], hashOn[2]);
    const responses = await Promise.all(nodes.map((dev) => backendRequest(dev, dev.port, method, devicePath(dev, part, ...names), headers)));
    return { statuses: responses.map((r) => r.status), responses };
  }

  /** GET/HEAD from the first replica that answers 2xx (a 404 from one replica is not final). */
  private async readFirst(ring: Ring, names: string[], method: string, query = ''): Promise<Awaited<ReturnType<typeof backendRequest>>> {
    const { part, nodes } = ring.getNodes(names[0], names[1], names[2]);
    let last = { status: 404, headers: {}, body: Buffer.alloc(0) } as Awaited<ReturnType<typeof backendRequest>>;
    let sawNotFound = false;
    for (const dev of nodes) {
      const r = await backendRequest(dev, dev.port, method, devicePath(dev, part, ...names) + query, {});
      if (r.status >= 200 && r.status < 300) return r;
      if (r.status === 404) sawNotFound = true;
      last = r;
    }
    return sawNotFound ? { ...last, status: 404 } : last;
  }

  private statHeaders(r: Awaited<ReturnType<typeof backendRequest>>, kind: 'account' | 'container'): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) {
      if (k.startsWith(`x-${kind}-`) || k === 'x-timestamp' || k === 'x-put-timestamp' || /^x-(container-read|container-write|versions-location|history-location)$/.test(k)) {
        out[k] = String(v);
      }
    }
    if (kind === 'container') out['x-storage-policy'] = STORAGE_POLICY;
    if (kind === 'account' && Number(out['x-account-container-count'] ?? 0) > 0) {
      // Swift's per-policy figures (every container is in the one policy)
      const prefix = `x-account-storage-policy-${STORAGE_POLICY.toLowerCase()}`;
      out[`${prefix}-container-count`] = out['x-account-container-count'];
      out[`${prefix}-object-count`] = out['x-account-object-count'] ?? '0';
      out[`${prefix}-bytes-used`] = out['x-account-bytes-used'] ?? '0';
    }
    return out;
  }

  private async accountRequest(r: Req): Promise<void> {
    const names = [r.account];
    switch (r.req.method) {
      case 'HEAD':
      case 'GET': {
        let got = await this.readFirst(this.opts.accountRing, names, 'GET', this.listingQuery(r.query, LIMITS.account_listing_limit));
        if (got.status === 404) {
          // accounts exist implicitly (Swift's account_autocreate): an empty one
          await this.ensureAccount(r.account);
          got = await this.readFirst(this.opts.accountRing, names, 'GET', this.listingQuery(r.query, LIMITS.account_listing_limit));
        }
        if (got.status >= 300) throw new SwiftError(got.status === 404 ? 404 : 503);
        const headers = this.statHeaders(got, 'account');
        if (r.req.method === 'HEAD') return this.plain(r.res, 204, '', { ...headers, ...listingHeaders(r.req, r.query) });
        return renderListing(r.req, r.res, 'account', r.account, JSON.parse(got.body.toString()), headers, r.query);
      }
      case 'POST': {
        await this.ensureAccount(r.account);
        const out = await this.fanout(this.opts.accountRing, names, 'POST', { 'x-timestamp': nowTimestamp(), ...metaHeaders(r.req, 'account') });
        return this.plain(r.res, bestStatus(out.statuses, this.opts.accountRing.replicas), '');
      }
      default:
        throw new SwiftError(405);
    }
  }

  private async ensureAccount(account: string): Promise<void> {
    const out = await this.fanout(this.opts.accountRing, [account], 'HEAD', {});
    if (out.statuses.some((s) => s === 204)) return;
    await this.fanout(this.opts.accountRing, [account], 'PUT', { 'x-timestamp': nowTimestamp() });
  }

  private listingQuery(q: URLSearchParams, max: number): string {
    const out = new URLSearchParams();
    for (const k of ['prefix', 'delimiter', 'marker', 'end_marker', 'reverse', 'path']) {
      const v = q.get(k);
      if (v !== null) out.set(k, v);
    }
    const limit = q.get('limit');
    if (limit !== null) {
      const n = Number(limit);
      if (!Number.isInteger(n) || n < 0) throw new SwiftError(412, `Value of limit must be a positive integer`);
      if (n > max) throw new SwiftError(412, `Maximum limit is ${max}`);
      out.set('limit', String(n));
    }
    const s = out.toString();
    return s ? `?${s}` : '';
  }

  private async containerRequest(r: Req): Promise<void> {
    const names = [r.account, r.container!];
    const ring = this.opts.containerRing;
    if (r.req.method !== 'GET' && r.req.method !== 'HEAD') {
      // before and after: nothing read while the change is under way outlives it
      this.containerCache.delete(`${r.account}/${r.container}`);
      r.res.once('finish', () => this.containerCache.delete(`${r.account}/${r.container}`));
    }
    switch (r.req.method) {
      case 'HEAD':
      case 'GET': {
        const got = await this.readFirst(ring, names, 'GET', this.listingQuery(r.query, LIMITS.container_listing_limit));
        if (got.status >= 300) throw new SwiftError(got.status === 404 ? 404 : 503);
        const headers = this.statHeaders(got, 'container');
        if (r.req.method === 'HEAD') return this.plain(r.res, 204, '', { ...headers, ...listingHeaders(r.req, r.query) });
        return renderListing(r.req, r.res, 'container', r.container!, JSON.parse(got.body.toString()), headers, r.query);
      }
      case 'PUT': {
        const acl = containerAcls(r.req);
        await this.ensureAccount(r.account);
        const ts = nowTimestamp();
        const { part, nodes } = ring.getNodes(r.account, r.container);
        const accounts = this.opts.accountRing.getNodes(r.account);
        const base = { 'x-timestamp': ts, ...metaHeaders(r.req, 'container'), ...acl };
        const responses = await Promise.all(
          nodes.map((dev, i) => {
            const acct = accounts.nodes[i % accounts.nodes.length];
            return backendRequest(dev, dev.port, 'PUT', devicePath(dev, part, ...names), {
              ...base,
              'x-account-host': `${acct.ip}:${acct.port}`,
              'x-account-device': acct.device,
              'x-account-partition': String(accounts.part),
            });
          }),
        );
        const out = { statuses: responses.map((x) => x.status) };
        const status = bestStatus(out.statuses, ring.replicas);
        if (status < 300) {
          // the container's figures (a container PUT again keeps its objects), the largest of the replicas'
          const figure = (h: string) => Math.max(0, ...responses.filter((x) => x.status < 300).map((x) => Number(x.headers[h] ?? 0) || 0));
          const counts = { 'x-object-count': figure('x-container-object-count'), 'x-bytes-used': figure('x-container-bytes-used') };
          await this.fanout(this.opts.accountRing, [r.account, r.container!], 'PUT', { 'x-timestamp': ts, ...counts }, [r.account]);
        }
        return this.plain(r.res, status, '');
      }
      case 'POST': {
        const acl = containerAcls(r.req);
        const out = await this.fanout(ring, names, 'POST', { 'x-timestamp': nowTimestamp(), ...metaHeaders(r.req, 'container'), ...acl });
        return this.plain(r.res, bestStatus(out.statuses, ring.replicas), '');
      }
      case 'DELETE': {
        const ts = nowTimestamp();
        const out = await this.fanout(ring, names, 'DELETE', { 'x-timestamp': ts });
        const status = bestStatus(out.statuses, ring.replicas);
        if (status === 204) await this.fanout(this.opts.accountRing, [r.account, r.container!], 'DELETE', { 'x-timestamp': ts }, [r.account]);
        if (status === 409) throw new SwiftError(409);
        if (status === 404) throw new SwiftError(404);
        return this.plain(r.res, status, '');
      }
      default:
        throw new SwiftError(405);
    }
  }

  // ---- objects ----------------------------------------------------------------------------

  private async objectRequest(r: Req): Promise<void> {
    const names = [r.account, r.container!, r.object!];
    if ((r.req.method === 'PUT' || r.req.method === 'POST') && r.req.headers['x-object-manifest'] !== undefined) checkObjectManifest(String(r.req.headers['x-object-manifest']));
    switch (r.req.method) {
      case 'PUT':
        if (r.req.headers['if-none-match'] !== undefined) await this.checkIfNoneMatch(r, names);
        if (r.req.headers['x-copy-from'] !== undefined) return this.copyObject(r, String(r.req.headers['x-copy-from']), names);
        if (r.query.get('multipart-manifest') === 'put') {
          const manifest = await this.largeObjects.buildSloManifest(r.req, r.account);
          return this.putObject(r, names, { stream: Readable.from([manifest.body]), headers: manifest.headers }, { etag: manifest.etag });
        }
        if (r.req.headers['x-static-large-object'] !== undefined) throw new SwiftError(400, 'X-Static-Large-Object is a reserved header; use ?multipart-manifest=put');
        return this.putObject(r, names);
      case 'COPY': {
        const dest = r.req.headers.destination;
        if (typeof dest !== 'string') throw new SwiftError(412, 'Destination header required');
        const target = splitCopyPath(dest, 'Destination');
        return this.copyObject(r, `/${r.container}/${r.object}`, [r.account, target[0], target[1]]);
      }
      case 'GET':
      case 'HEAD':
        return this.getObject(r, names);
      case 'POST': {
        const headers: Record<string, string> = { 'x-timestamp': nowTimestamp(), ...metaHeaders(r.req, 'object') };
        for (const h of ['content-type', 'content-disposition', 'content-encoding', 'x-object-manifest']) {
          if (r.req.headers[h] !== undefined) headers[h] = String(r.req.headers[h]);
        }
        const deleteAt = deleteAtHeader(r.req);
        if (deleteAt) headers['x-delete-at'] = deleteAt;
        const statuses = await this.fanoutWithContainer(names, 'POST', headers);
        const status = bestStatus(statuses, this.opts.objectRing.replicas);
        if (status === 404) throw new SwiftError(404);
        return this.plain(r.res, status, '');
      }
      case 'DELETE': {
        if (r.query.get('multipart-manifest') === 'delete') {
          const result = await this.largeObjects.deleteSlo(r.account, names, (n) => this.deleteObject(n));
          const body = JSON.stringify(result);
          r.res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
          return void r.res.end(body);
        }
        const container = await this.containerInfo(names[0], names[1]);
        const versions = container.status < 300 ? versionsOf(container.headers) : undefined;
        const status = versions ? await this.versioning.delete(names, versions) : await this.deleteObject(names);
        if (status === 404) throw new SwiftError(404);
        return this.plain(r.res, status, '');
      }
      default:
        throw new SwiftError(405);
    }
  }

  /** An object PUT's If-None-Match: only `*` (Swift: 400 otherwise), and 412 when the object exists. */
  private async checkIfNoneMatch(r: Req, names: string[]): Promise<void> {
    const tags = String(r.req.headers['if-none-match']).split(',').map((t) => t.trim());
    if (!tags.includes('*')) throw new SwiftError(400, 'If-None-Match only supports *');
    const got = await this.readFirst(this.opts.objectRing, names, 'HEAD');
    if (got.status < 300) throw new SwiftError(412);
    if (got.status !== 404) throw new SwiftError(503);
  }

  /** Deletes one object on all its replicas; returns the client-facing status. */
  async deleteObject(names: string[]): Promise<number> {
    return bestStatus(await this.fanoutWithContainer(names, 'DELETE', { 'x-timestamp': nowTimestamp() }), this.opts.objectRing.replicas);
  }

  /** Object replica i tells container replica i about the change (Swift's pairing). */
  private containerUpdateHeaders(account: string, container: string): Array<Record<string, string>> {
    const { part, nodes } = this.opts.containerRing.getNodes(account, container);
    return nodes.map((n) => ({ 'x-container-host': `${n.ip}:${n.port}`, 'x-container-device': n.device, 'x-container-partition': String(part) }));
  }

  /**
   * An object DELETE or POST on every replica; a primary that does not answer is replaced by a handoff
   * (a tombstone there reaches the primary through the replicator).
   */
  private async fanoutWithContainer(names: string[], method: string, headers: Record<string, string>): Promise<number[]> {
    const { part, nodes } = this.opts.objectRing.getNodes(names[0], names[1], names[2]);
    const updates = this.containerUpdateHeaders(names[0], names[1]);
    const send = (dev: RingDevice, i: number) => backendRequest(dev, dev.port, method, devicePath(dev, part, ...names), { ...headers, ...(updates[i] ?? {}) });
    const statuses = (await Promise.all(nodes.map(send))).map((x) => x.status);
    const handoffs = this.opts.objectRing.getMoreNodes(part);
    for (let i = 0; i < statuses.length; i++) {
      while (statuses[i] === 503 || statuses[i] === 507) {
        const next = handoffs.next();
        if (next.done) break;
        statuses[i] = (await send(next.value, i)).status;
      }
    }
    return statuses;
  }

  /**
   * Server-side copy (COPY, or PUT with X-Copy-From), as Swift's copy middleware: the source's bytes
   * (a large object's content, unless `?multipart-manifest=get` copies the manifest itself; one
   * `Range` copies that part) and metadata, the request's metadata on top.
   */
  private async copyObject(r: Req, from: string, dest: string[]): Promise<void> {
    const [sc, so] = splitCopyPath(from, 'X-Copy-From');
    const source = await this.openObject([r.account, sc, so]);
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
    const part = await this.openReplica(names, new Set(), `bytes=${first}-${last}`);
    if (!part || String(part.res.headers.etag ?? '') !== String(source.headers.etag ?? '')) {
      part?.res.destroy();
      throw new SwiftError(503, 'The copy source changed or is unavailable');
    }
    return { stream: part.res, length: last - first + 1 };
  }

  /** The object's bytes from the first replica that has them, or null. */
  async openObject(names: string[]): Promise<IncomingMessage | null> {
    const got = await this.openReplica(names);
    if (!got) return null;
    this.sourceDevice.set(got.res, got.id);
    return got.res;
  }

  /** Which device a backend response came from (a resumed read skips it). */
  private readonly sourceDevice = new WeakMap<IncomingMessage, number>();

  /**
   * The first replica (primaries, then handoffs) that answers a GET with data, skipping devices in `skip`;
   * `range` (`bytes=a-b`) asks for part of it (a resumed read).
   */
  private async openReplica(names: string[], skip: Set<number> = new Set(), range?: string): Promise<{ res: IncomingMessage; id: number } | null> {
    const { part, nodes } = this.opts.objectRing.getNodes(names[0], names[1], names[2]);
    for (const dev of [...nodes, ...this.opts.objectRing.getMoreNodes(part)].slice(0, nodes.length * 2)) {
      if (skip.has(dev.id)) continue;
      const res = await new Promise<IncomingMessage | null>((resolve) => {
        const headers = range ? { 'x-backend-range': range } : {};
        const back = request({ host: dev.ip, port: dev.port, method: 'GET', path: devicePath(dev, part, ...names), headers, agent: backendAgent, timeout: 10_000 }, (res) => {
          if (res.statusCode === 200 || (range && res.statusCode === 206)) return resolve(res);
          res.resume();
          resolve(null);
        });
        back.on('error', () => resolve(null));
        back.on('timeout', () => back.destroy(new Error('timeout')));
        back.end();
      });
      if (res) return { res, id: dev.id };
      skip.add(dev.id);
    }
    return null;
  }

  /**
   * Streams a whole object to the client. When the node serving it fails mid-way (it died, or found the
   * copy corrupt), the rest comes from another replica (same ETag, from the byte reached); when none
   * can, the response is cut short, so a client never takes a partial or wrong body for a whole one.
   */
  private streamWithResume(r: Req, first: IncomingMessage, names: string[], size: number, etag: string): void {
    const skip = new Set<number>();
    let sent = 0;
    // only a node that checks every block before sending it leaves good bytes behind when it stops
    const resumable = (back: IncomingMessage) => back.headers['x-backend-verified'] === 'blocks' || back.statusCode === 206;
    const follow = (back: IncomingMessage) => {
      let failed = false;
      const onFail = () => {
        if (failed) return;
        failed = true;
        back.unpipe(r.res);
        back.destroy();
        if (sent >= size || r.res.destroyed || !resumable(back)) return void r.res.destroy();
        void this.resumeFrom(names, skip, sent, size, etag).then((next) => (next ? follow(next) : r.res.destroy()));
      };
      back.on('data', (c: Buffer) => {
        sent += c.length;
        reclaimBodyBuffers(c.length);
      });
      back.on('aborted', onFail);
      back.on('error', onFail);
      back.on('end', () => {
        if (!back.complete) return onFail();
        if (sent < size) return onFail();
        r.res.end();
      });
      back.pipe(r.res, { end: false });
    };
    const origin = this.sourceDevice.get(first);
    if (origin !== undefined) skip.add(origin);
    follow(first);
  }

  private async resumeFrom(names: string[], skip: Set<number>, from: number, size: number, etag: string): Promise<IncomingMessage | null> {
    for (;;) {
      const next = await this.openReplica(names, skip, `bytes=${from}-${size - 1}`);
      if (!next) return null;
      skip.add(next.id);
      if (String(next.res.headers.etag ?? '') === etag) {
        this.opts.logger.warn({ object: names.join('/'), from, device: next.id }, 'object GET resumed from another replica');
        return next.res;
      }
      next.res.destroy();
    }
  }

  private async putObject(
    r: Req,
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
    const container = await this.containerInfo(names[0], names[1]);
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
    const { etag, timestamp } = await this.writeObject(names, req, headers, length === undefined ? undefined : String(length));
    this.plain(r.res, 201, '', { etag, 'last-modified': new Date(Math.ceil(Number(timestamp)) * 1000).toUTCString(), ...extraResponse });
    // (an SLO manifest PUT answers with the large object's etag, quoted, instead of the manifest's)
  }

  /**
   * Writes an object to its replicas (handoffs standing in for primaries that are down) and returns once
   * a quorum stored it: the stored ETag and the X-Timestamp it was written at. `headers` are the
   * object's (content type, metadata); `length` undefined means a chunked body.
   */
  async writeObject(names: string[], body: Readable, objectHeaders: Record<string, string>, length: string | undefined): Promise<{ etag: string; timestamp: string }> {
    const timestamp = nowTimestamp();
    const headers: Record<string, string> = { ...objectHeaders, 'x-timestamp': timestamp };
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    const { part, nodes } = this.opts.objectRing.getNodes(names[0], names[1], names[2]);
    const updates = this.containerUpdateHeaders(names[0], names[1]);
    const target = (dev: RingDevice, i: number) => ({ path: devicePath(dev, part, ...names), headers: { ...headers, ...(updates[i] ?? {}) } });
    let results: Array<{ status: number; etag?: string }>;
    if (length !== undefined && Number(length) <= SMALL_BODY_BYTES) {
      // small: read whole, then one plain request per replica (no 100-continue round trip; a body in
      // memory can be sent again to a handoff)
      const data = await readSmallBody(body, Number(length));
      headers['content-length'] = String(data.length);
      results = await this.sendToNodes(data, part, nodes, target);
    } else {
      // chunked, so the body can be followed by its digest (streamToNodes); the length still checked
      headers['transfer-encoding'] = 'chunked';
      headers['x-backend-digest'] = 'trailers';
      headers.trailer = 'X-Backend-Etag, X-Backend-Blocks-Crc32';
      if (length !== undefined) headers['x-backend-content-length'] = length;
      results = await this.streamToNodes(body, part, nodes, target);
    }
    const need = quorum(this.opts.objectRing.replicas);
    const ok = results.filter((x) => x.status === 201);
    if (results.some((x) => x.status === 422)) throw new SwiftError(422);
    if (results.filter((x) => x.status === 499).length >= need) throw new SwiftError(499);
    if (ok.length < need) throw new SwiftError(503, `Object PUT reached ${ok.length} of ${need} replicas`);
    return { etag: String(ok[0].etag ?? ''), timestamp };
  }

  /**
   * Sends a body held in memory to every replica at once; a primary that fails (down, timed out, 5xx,
   * 507) is replaced by the ring's next handoff, which gets the same bytes.
   */
  private sendToNodes(
    data: Buffer,
    part: number,
    primaries: RingDevice[],
    target: (dev: RingDevice, i: number) => { path: string; headers: Record<string, string> },
  ): Promise<Array<{ status: number; etag?: string }>> {
    const handoffs = this.opts.objectRing.getMoreNodes(part);
    return quorumOrAll(
      primaries.map(async (primary, i) => {
        let dev: RingDevice | undefined = primary;
        while (dev) {
          const t = target(dev, i);
          const r = await backendRequest(dev, dev.port, 'PUT', t.path, t.headers, SMALL_PUT_TIMEOUT_MS, data);
          if (r.status < 500 && r.status !== 507) return { status: r.status, etag: r.headers.etag as string | undefined };
          this.opts.logger.warn({ device: dev.device, ip: dev.ip, port: dev.port, status: r.status }, 'object PUT: node unavailable, trying a handoff');
          // handoffs are taken one at a time, in ring order, so concurrent replacements never share one
          const next = handoffs.next();
          dev = next.done ? undefined : next.value;
        }
        return { status: 503 };
      }),
      quorum(this.opts.objectRing.replicas),
      this.opts.postQuorumMs,
    );
  }

  /**
   * Opens a PUT to one node and waits for its `100 Continue`: null when the node cannot take it (down,
   * timed out, 507), or its final answer when it refuses before the body (409: it has newer data).
   */
  private connectNode(dev: RingDevice, path: string, headers: Record<string, string>): Promise<{ out: ClientRequest; dev: RingDevice } | { status: number } | null> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (v: { out: ClientRequest; dev: RingDevice } | { status: number } | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(v);
      };
      const out = request({ host: dev.ip, port: dev.port, method: 'PUT', path, headers: { ...headers, expect: '100-continue' }, agent: backendAgent, timeout: 60_000 });
      const timer = setTimeout(() => {
        out.destroy(new Error('connect timeout'));
        settle(null);
      }, CONNECT_TIMEOUT_MS);
      out.once('continue', () => settle({ out, dev }));
      out.once('response', (res) => {
        res.resume();
        if (!settled) settle(res.statusCode === 507 || (res.statusCode ?? 500) >= 500 ? null : { status: res.statusCode ?? 500 });
      });
      out.on('error', () => settle(null));
      out.flushHeaders();
    });
  }

  /**
   * Streams the client's body to every replica at once, pacing the client to the slowest node, and
   * follows it with its MD5 and CRC-32 as trailers: the MD5 is computed here once instead of on every
   * node, and each node checks its copy's CRC-32 against this one (see the object server). A primary
   * that cannot take the write is replaced by the next handoff node (same partition; the replicator moves
   * the copy home later). Fails fast, before reading the body, when fewer than a quorum can take it.
   */
  private async streamToNodes(
    source: Readable,
    part: number,
    primaries: RingDevice[],
    target: (dev: RingDevice, i: number) => { path: string; headers: Record<string, string> },
  ): Promise<Array<{ status: number; etag?: string }>> {
    const handoffs = this.opts.objectRing.getMoreNodes(part);
    const connected = await Promise.all(
      primaries.map(async (dev, i) => {
        const first = await this.connectNode(dev, target(dev, i).path, target(dev, i).headers);
        if (first) return first;
        this.opts.logger.warn({ device: dev.device, ip: dev.ip, port: dev.port }, 'object PUT: primary unavailable, trying a handoff');
        return null;
      }),
    );
    // handoffs are taken one at a time, in ring order, so concurrent replacements never share one
    for (let i = 0; i < connected.length; i++) {
      while (connected[i] === null) {
        const next = handoffs.next();
        if (next.done) break;
        connected[i] = await this.connectNode(next.value, target(next.value, i).path, target(next.value, i).headers);
      }
    }
    const results: Array<{ status: number; etag?: string }> = connected.map((c) => (c && 'status' in c ? { status: c.status } : { status: 0 }));
    const live = connected.map((c, i) => (c && 'out' in c ? { out: c.out, i } : null)).filter((x): x is { out: ClientRequest; i: number } => x !== null);
    for (let i = 0; i < results.length; i++) if (connected[i] === null) results[i] = { status: 503 };
    if (live.length < quorum(this.opts.objectRing.replicas)) {
      // answered before the body is read (the client's connection is closed rather than drained)
      live.forEach((l) => l.out.destroy());
      return results;
    }
    const answers = results.map((r) => Promise.resolve(r));
    for (const { out, i } of live) {
      answers[i] = new Promise((resolve) => {
        const done = (status: number, etag?: string) => {
          if (results[i].status !== 0) return;
          results[i] = { status, etag };
          resolve(results[i]);
        };
        out.on('response', (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode ?? 500, res.headers.etag as string | undefined));
        });
        out.on('error', () => done(503));
      });
    }
    const writing = () => live.filter(({ i }) => results[i].status === 0);
    const md5 = createHash('md5');
    const blocks = new BlockHasher();
    source.on('data', (chunk: Buffer) => {
      reclaimBodyBuffers(chunk.length);
      md5.update(chunk);
      blocks.update(chunk);
      let blocked = 0;
      for (const { out } of writing()) {
        if (!out.write(chunk)) {
          blocked++;
          out.once('drain', () => {
            if (--blocked === 0) source.resume();
          });
        }
      }
      if (blocked > 0) source.pause();
    });
    source.on('end', () => {
      const trailers = { 'x-backend-etag': md5.digest('hex'), 'x-backend-blocks-crc32': blocksDigest(blocks.finish()) };
      for (const { out } of live) {
        out.addTrailers(trailers);
        out.end();
      }
    });
    source.on('aborted', () => live.forEach(({ out }) => out.destroy(new Error('client disconnected'))));
    source.on('error', () => live.forEach(({ out }) => out.destroy(new Error('client disconnected'))));
    source.resume();
    return quorumOrAll(answers, quorum(this.opts.objectRing.replicas), this.opts.postQuorumMs);
  }

  private async getObject(r: Req, names: string[]): Promise<void> {
    const source = await this.openObject(names);
    if (!source) throw new SwiftError(404);
    const manifest = r.query.get('multipart-manifest');
    if (manifest !== 'get' && String(source.headers['x-static-large-object'] ?? '').toLowerCase() === 'true') {
      return this.largeObjects.serve(r.req, r.res, source, r.account);
    }
    if (manifest !== 'get' && typeof source.headers['x-object-manifest'] === 'string') {
      return this.largeObjects.serve(r.req, r.res, source, r.account);
    }
    return this.respondObject(r, source, r.req.headers.range);
  }

  private async respondObject(r: Req, back: IncomingMessage, range: string | undefined): Promise<void> {
    const size = Number(back.headers['content-length'] ?? 0);
    const etag = String(back.headers.etag ?? '');
    const lastModified = String(back.headers['last-modified'] ?? '');
    const headers: Record<string, string | number> = { 'accept-ranges': 'bytes' };
    for (const [k, v] of Object.entries(back.headers)) {
      if (/^(content-type|etag|last-modified|x-timestamp|x-object-meta-|content-disposition|content-encoding|x-delete-at|x-object-manifest)/.test(k)) headers[k] = String(v);
    }
    if (r.tempUrl) {
      // what Swift's tempurl does to responses: no user metadata, a download file name
      for (const k of Object.keys(headers)) if (k.startsWith('x-object-meta-') && !k.startsWith('x-object-meta-public-')) delete headers[k];
      headers['content-disposition'] = tempUrlDisposition(r.tempUrl, r.object!);
    }
    const inm = r.req.headers['if-none-match'];
    const im = r.req.headers['if-match'];
    const ims = r.req.headers['if-modified-since'];
    const ius = r.req.headers['if-unmodified-since'];
    const strip = (s: string) => s.replace(/"/g, '').trim();
    const notModified = (inm && (inm === '*' || inm.split(',').map(strip).includes(etag))) || (ims && Date.parse(lastModified) <= Date.parse(ims));
    const failed = (im && im !== '*' && !im.split(',').map(strip).includes(etag)) || (ius && Date.parse(lastModified) > Date.parse(ius));
    if (failed) {
      back.destroy();
      return sendSwiftError(r.res, 412);
    }
    if (notModified) {
      back.destroy();
      r.res.writeHead(304, { ...headers, 'content-length': 0 });
      return void r.res.end();
    }
    // Swift's swob: an invalid Range is ignored (200), none satisfiable (or an egregious set) is a
    // 416, several are a multipart/byteranges 206
    const specs = parseRange(range);
    const ranges = specs ? rangesForLength(specs, size) : [];
    if (specs && ranges.length === 0) {
      back.destroy();
      return sendSwiftError(r.res, 416, undefined, { 'content-range': `bytes */${size}` });
    }
    if (ranges.length > 1) {
      // each range from a replica that has this version (same ETag)
      back.destroy();
      const names = [r.account, r.container!, r.object!];
      return sendByteranges(r.req, r.res, headers, ranges, size, async (first, last) => {
        const part = await this.openReplica(names, new Set(), `bytes=${first}-${last}`);
        if (part && String(part.res.headers.etag ?? '') === etag) return pipePart(part.res, r.res, last - first + 1);
        part?.res.destroy();
        return false;
      });
    }
    if (ranges.length === 1) {
      const [start, end] = ranges[0];
      r.res.writeHead(206, { ...headers, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}` });
      if (r.req.method === 'HEAD') return void (back.destroy(), r.res.end());
      // skip to start, stop after end (the node streams the whole object)
      let pos = 0;
      back.on('data', (chunk: Buffer) => {
        const from = Math.max(start - pos, 0);
        const to = Math.min(end + 1 - pos, chunk.length);
        if (to > from) r.res.write(chunk.subarray(from, to));
        pos += chunk.length;
        if (pos > end) {
          back.destroy();
          r.res.end();
        }
      });
      back.on('end', () => r.res.end());
      return;
    }
    r.res.writeHead(200, { ...headers, 'content-length': size });
    if (r.req.method === 'HEAD') {
      back.destroy();
      return void r.res.end();
    }
    this.streamWithResume(r, back, [r.account, r.container!, r.object!], size, etag);
  }
}
