import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '@kumo/common';
import type { HashPath } from '../ring/ring';
import { DiskFile, EtagMismatch } from './disk-file';
import { hashPath } from './hash';
import { ListingDb } from './listing-db';
import { normalizeTimestamp } from './timestamp';

export interface StorageNodeOptions {
  devicesRoot: string;
  hashPath: HashPath;
  bindHost: string;
  objectPort: number;
  containerPort: number;
  accountPort: number;
  logger: Logger;
}

type Handler = (req: IncomingMessage, res: ServerResponse, parts: string[]) => Promise<void>;

/** Headers an object keeps verbatim. */
const OBJECT_HEADERS = /^(x-object-meta-|content-disposition$|content-encoding$|x-delete-at$|x-object-manifest$|x-static-large-object$)/;

function send(res: ServerResponse, status: number, headers: Record<string, string | number> = {}, body?: string | Buffer): void {
  res.writeHead(status, { 'content-length': body ? Buffer.byteLength(body) : 0, ...headers });
  res.end(body);
}

function decodeParts(url: string): string[] {
  const path = url.split('?')[0];
  return path.split('/').slice(1).map((p) => decodeURIComponent(p));
}

function timestampOf(req: IncomingMessage): string {
  const ts = req.headers['x-timestamp'];
  if (typeof ts !== 'string') throw Object.assign(new Error('missing X-Timestamp'), { status: 400 });
  return normalizeTimestamp(ts);
}

/**
 * A storage node: object, container and account servers on three ports of one process, speaking
 * Swift's backend protocol (`/<device>/<partition>/<account>[/<container>[/<object>]]`).
 * Every write is fsynced before it is acknowledged; timestamps decide (last writer wins).
 */
export class StorageNode {
  private readonly servers: Server[] = [];
  private readonly dbs = new Map<string, ListingDb>();

  constructor(private readonly opts: StorageNodeOptions) {}

  async start(): Promise<void> {
    const pairs: Array<[number, Handler]> = [
      [this.opts.objectPort, (q, s, p) => this.object(q, s, p)],
      [this.opts.containerPort, (q, s, p) => this.container(q, s, p)],
      [this.opts.accountPort, (q, s, p) => this.account(q, s, p)],
    ];
    for (const [port, handler] of pairs) {
      const server = createServer((req, res) => {
        if (req.url === '/healthcheck') return send(res, 200, { 'content-type': 'text/plain' }, 'OK');
        handler(req, res, decodeParts(req.url ?? '/')).catch((err: { status?: number; message?: string }) => {
          if (!err.status) this.opts.logger.error({ err, url: req.url }, 'storage request failed');
          if (!res.headersSent) send(res, err.status ?? 500, {}, err.status ? err.message : 'internal error');
          else res.destroy();
        });
      });
      server.keepAliveTimeout = 30_000;
      await new Promise<void>((resolve) => server.listen(port, this.opts.bindHost, resolve));
      this.servers.push(server);
    }
  }

  async stop(): Promise<void> {
    for (const s of this.servers) await new Promise((r) => s.close(r));
    for (const db of this.dbs.values()) db.close();
  }

  private db(kind: 'container' | 'account', device: string, part: string, account: string, container?: string): ListingDb {
    const hash = hashPath(this.opts.hashPath, account, container);
    const path = join(this.opts.devicesRoot, device, `${kind}s`, part, hash.slice(-3), hash, `${hash}.db`);
    let db = this.dbs.get(path);
    if (!db) {
      db = new ListingDb(path, kind);
      this.dbs.set(path, db);
    }
    return db;
  }

  private async object(req: IncomingMessage, res: ServerResponse, parts: string[]): Promise<void> {
    const [device, part, account, container, ...rest] = parts;
    const object = rest.join('/');
    if (!device || !part || !account || !container || !object) return send(res, 400, {}, 'bad path');
    const file = new DiskFile(this.opts.devicesRoot, device, Number(part), hashPath(this.opts.hashPath, account, container, object));
    const cur = await file.current();
    switch (req.method) {
      case 'PUT': {
        const ts = timestampOf(req);
        if (cur && (cur.kind === 'data' ? cur.meta.timestamp : cur.timestamp) >= ts) {
          req.resume();
          return send(res, 409, { 'x-backend-timestamp': cur.kind === 'data' ? cur.meta.timestamp : cur.timestamp });
        }
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => OBJECT_HEADERS.test(k)).map(([k, v]) => [k, String(v)]));
        const length = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : undefined;
        try {
          const meta = await file.write(req, {
            name: `/${account}/${container}/${object}`,
            timestamp: ts,
            contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
            headers,
            expectedEtag: req.headers.etag as string | undefined,
            expectedLength: length,
          });
          await this.updateContainer(req, account, container, object, { timestamp: ts, size: meta.contentLength, contentType: meta.contentType, etag: meta.etag, deleted: false });
          return send(res, 201, { etag: meta.etag });
        } catch (err) {
          if (err instanceof EtagMismatch) return send(res, 422, {}, 'etag mismatch');
          if ((err as Error).message?.startsWith('expected')) return send(res, 499, {}, 'client disconnected');
          throw err;
        }
      }
      case 'GET':
      case 'HEAD': {
        if (!cur || cur.kind !== 'data') return send(res, 404, cur ? { 'x-backend-timestamp': cur.timestamp } : {});
        const m = cur.meta;
        const headers: Record<string, string | number> = {
          'content-type': m.contentType,
          etag: m.etag,
          'x-timestamp': m.timestamp,
          'x-backend-timestamp': m.timestamp,
          'last-modified': new Date(Number(m.timestamp) * 1000).toUTCString(),
          ...m.headers,
        };
        const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers['x-backend-range'] ?? ''));
        if (req.method === 'HEAD') {
          res.writeHead(200, { ...headers, 'content-length': m.contentLength });
          return void res.end();
        }
        if (range) {
          const start = Number(range[1]);
          const end = Math.min(Number(range[2]), m.contentLength - 1);
          res.writeHead(206, { ...headers, 'content-length': Math.max(0, end - start + 1) });
          file.openData(cur.dataPath, { start, end }).pipe(res);
          return;
        }
        res.writeHead(200, { ...headers, 'content-length': m.contentLength });
        file.openData(cur.dataPath).pipe(res);
        return;
      }
      case 'POST': {
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => OBJECT_HEADERS.test(k)).map(([k, v]) => [k, String(v)]));
        const ok = await file.updateMetadata(headers, req.headers['content-type'] as string | undefined);
        return send(res, ok ? 202 : 404);
      }
      case 'DELETE': {
        const ts = timestampOf(req);
        const existed = cur?.kind === 'data';
        if (cur && (cur.kind === 'data' ? cur.meta.timestamp : cur.timestamp) >= ts) return send(res, 409);
        await file.tombstone(ts);
        await this.updateContainer(req, account, container, object, { timestamp: ts, size: 0, deleted: true });
        return send(res, existed ? 204 : 404);
      }
      default:
        return send(res, 405);
    }
  }

  /** Tells the container server(s) the proxy named in X-Container-Host about the change. */
  private async updateContainer(req: IncomingMessage, account: string, container: string, object: string, row: { timestamp: string; size: number; contentType?: string; etag?: string; deleted: boolean }): Promise<void> {
    const host = req.headers['x-container-host'];
    const dev = req.headers['x-container-device'];
    const part = req.headers['x-container-partition'];
    if (typeof host !== 'string' || typeof dev !== 'string' || typeof part !== 'string') return;
    const url = `http://${host}/${dev}/${part}/${encodeURIComponent(account)}/${encodeURIComponent(container)}/${object.split('/').map(encodeURIComponent).join('/')}`;
    try {
      const r = await fetch(url, {
        method: row.deleted ? 'DELETE' : 'PUT',
        headers: { 'x-timestamp': row.timestamp, 'x-size': String(row.size), 'x-content-type': row.contentType ?? '', 'x-etag': row.etag ?? '' },
        signal: AbortSignal.timeout(5_000),
      });
      await r.arrayBuffer();
    } catch (err) {
      this.opts.logger.warn({ url, err: (err as Error).message }, 'container update failed');
    }
  }

  private async container(req: IncomingMessage, res: ServerResponse, parts: string[]): Promise<void> {
    const [device, part, account, container, ...rest] = parts;
    if (!device || !part || !account || !container) return send(res, 400, {}, 'bad path');
    const db = this.db('container', device, part, account, container);
    const object = rest.join('/');
    if (object) {
      // an object row update from an object server
      const ts = timestampOf(req);
      db.putRow({
        name: object,
        timestamp: ts,
        size: Number(req.headers['x-size'] ?? 0),
        contentType: String(req.headers['x-content-type'] ?? ''),
        etag: String(req.headers['x-etag'] ?? ''),
        deleted: req.method === 'DELETE',
      });
      this.scheduleAccountUpdate(db, account, container);
      return send(res, req.method === 'DELETE' ? 204 : 201);
    }
    if (req.method === 'PUT' && typeof req.headers['x-account-host'] === 'string') {
      db.setAccountTarget(req.headers['x-account-host'], String(req.headers['x-account-device']), String(req.headers['x-account-partition']));
    }
    return this.listingServer(req, res, db, 'container');
  }

  private readonly accountUpdates = new Map<string, NodeJS.Timeout>();

  /** Reports a container's object count and bytes to its account server, at most twice a second. */
  private scheduleAccountUpdate(db: ListingDb, account: string, container: string): void {
    const key = `${account}/${container}`;
    if (this.accountUpdates.has(key)) return;
    this.accountUpdates.set(
      key,
      setTimeout(() => {
        this.accountUpdates.delete(key);
        const target = db.accountTarget();
        if (!target || !db.isLive()) return;
        const info = db.info();
        const url = `http://${target.host}/${encodeURIComponent(target.device)}/${target.partition}/${encodeURIComponent(account)}/${encodeURIComponent(container)}`;
        fetch(url, {
          method: 'PUT',
          headers: { 'x-timestamp': info.putTimestamp, 'x-object-count': String(info.objectCount), 'x-bytes-used': String(info.bytesUsed) },
          signal: AbortSignal.timeout(5_000),
        })
          .then((r) => r.arrayBuffer())
          .catch((err: Error) => this.opts.logger.warn({ url, err: err.message }, 'account update failed'));
      }, 500).unref(),
    );
  }

  private async account(req: IncomingMessage, res: ServerResponse, parts: string[]): Promise<void> {
    const [device, part, account, container] = parts;
    if (!device || !part || !account) return send(res, 400, {}, 'bad path');
    const db = this.db('account', device, part, account);
    if (container) {
      // a container row update from a container PUT/DELETE
      db.initialize(normalizeTimestamp(String(req.headers['x-account-put-timestamp'] ?? req.headers['x-timestamp'] ?? '1')));
      db.putRow({
        name: container,
        timestamp: timestampOf(req),
        size: Number(req.headers['x-bytes-used'] ?? 0),
        count: Number(req.headers['x-object-count'] ?? 0),
        deleted: req.method === 'DELETE',
      });
      return send(res, 201);
    }
    return this.listingServer(req, res, db, 'account');
  }

  /** PUT/HEAD/GET/POST/DELETE of a container or account database. */
  private async listingServer(req: IncomingMessage, res: ServerResponse, db: ListingDb, kind: 'container' | 'account'): Promise<void> {
    const meta = (): Record<string, string> =>
      Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.startsWith(`x-${kind}-meta-`) || /^x-(container-read|container-write|versions-location|history-location)$/.test(k)).map(([k, v]) => [k, String(v)]));
    const statHeaders = (): Record<string, string | number> => {
      const i = db.info();
      const h: Record<string, string | number> = {
        'x-put-timestamp': i.putTimestamp,
        'x-timestamp': i.putTimestamp,
        'x-backend-delete-timestamp': i.deleteTimestamp,
        [`x-${kind}-object-count`]: i.objectCount,
        [`x-${kind}-bytes-used`]: i.bytesUsed,
      };
      if (kind === 'account') h['x-account-container-count'] = i.containerCount;
      for (const [k, [v]] of Object.entries(i.metadata)) h[k] = v;
      return h;
    };
    switch (req.method) {
      case 'PUT': {
        const ts = timestampOf(req);
        const existed = db.isLive();
        db.initialize(ts);
        db.updateMetadata(meta(), ts);
        return send(res, existed ? 202 : 201);
      }
      case 'POST': {
        if (!db.isLive()) return send(res, 404);
        db.updateMetadata(meta(), timestampOf(req));
        return send(res, 204);
      }
      case 'DELETE': {
        if (!db.isLive()) return send(res, 404);
        if (kind === 'container' && db.info().objectCount > 0) return send(res, 409, {}, 'There was a conflict when trying to complete your request.');
        db.markDeleted(timestampOf(req));
        return send(res, 204);
      }
      case 'HEAD':
      case 'GET': {
        if (!db.isLive()) return send(res, 404);
        if (req.method === 'HEAD') return send(res, 204, statHeaders());
        const q = new URL(req.url ?? '/', 'http://x').searchParams;
        const rows = db.list({
          prefix: q.get('prefix') ?? undefined,
          delimiter: q.get('delimiter') ?? undefined,
          marker: q.get('marker') ?? undefined,
          endMarker: q.get('end_marker') ?? undefined,
          limit: Math.min(Number(q.get('limit') ?? 10000) || 10000, 10000),
          reverse: ['true', '1', 'yes', 'on'].includes((q.get('reverse') ?? '').toLowerCase()),
        });
        return send(res, 200, { ...statHeaders(), 'content-type': 'application/json' }, JSON.stringify(rows));
      }
      default:
        return send(res, 405);
    }
  }
}
