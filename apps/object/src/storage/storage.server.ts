import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { json } from 'node:stream/consumers';
import type { Logger } from '@kumo/common';
import type { HashPath } from '../ring/ring';
import { hashPath } from './hash';
import { OBJECT_UPDATES_HEADER, ObjectRowUpdate } from './container-updates';
import { ListingDb, ListingDbPool, listingQueryOf } from './listing-db';
import { ObjectServer, send, timestampOf } from './object-server';
import { normalizeTimestamp } from '../common/timestamp';

export interface StorageNodeOptions {
  devicesRoot: string;
  hashPath: HashPath;
  bindHost: string;
  objectPort: number;
  containerPort: number;
  accountPort: number;
  logger: Logger;
  verifyOnReadMaxBytes?: number;
  /** listing databases with an open SQLite connection at once (default 32; see ListingDbPool) */
  maxOpenDatabases?: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, parts: string[]) => Promise<void>;


function decodeParts(url: string): string[] {
  const path = url.split('?')[0];
  return path.split('/').slice(1).map((p) => decodeURIComponent(p));
}


/**
 * A storage node: object, container and account servers on three ports of one process, speaking
 * Swift's backend protocol (`/<device>/<partition>/<account>[/<container>[/<object>]]`).
 * Every write is fsynced before it is acknowledged; timestamps decide (last writer wins).
 */
export class StorageNode {
  private readonly servers: Server[] = [];
  private readonly dbs: ListingDbPool;

  readonly objects: ObjectServer;

  constructor(private readonly opts: StorageNodeOptions) {
    this.dbs = new ListingDbPool(opts.maxOpenDatabases);
    this.objects = new ObjectServer({ devicesRoot: opts.devicesRoot, hashPath: opts.hashPath, logger: opts.logger, verifyOnReadMaxBytes: opts.verifyOnReadMaxBytes });
  }

  async start(): Promise<void> {
    const pairs: Array<[number, Handler]> = [
      [this.opts.objectPort, (q, s, p) => this.objects.handle(q, s, p)],
      [this.opts.containerPort, (q, s, p) => this.container(q, s, p)],
      [this.opts.accountPort, (q, s, p) => this.account(q, s, p)],
    ];
    for (const [port, handler] of pairs) {
      const server = createServer((req, res) => {
        if (req.url === '/healthcheck') return send(res, 200, { 'content-type': 'text/plain' }, 'OK');
        let parts: string[];
        try {
          parts = decodeParts(req.url ?? '/');
        } catch {
          return send(res, 400, {}, 'bad path encoding');
        }
        handler(req, res, parts).catch((err: { status?: number; message?: string }) => {
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

  /** The bound ports (object, container, account): the configured ones, or what the system chose for 0. */
  ports(): { object: number; container: number; account: number } {
    const [object, container, account] = this.servers.map((s) => (s.address() as { port: number }).port);
    return { object, container, account };
  }

  async stop(): Promise<void> {
    for (const s of this.servers) {
      const closed = new Promise((r) => s.close(r));
      s.closeAllConnections();
      await closed;
    }
    this.servers.length = 0;
    for (const t of this.accountUpdates.values()) clearTimeout(t);
    this.accountUpdates.clear();
    this.dbs.close();
  }

  private db(kind: 'container' | 'account', device: string, part: string, account: string, container?: string): ListingDb {
    const hash = hashPath(this.opts.hashPath, account, container);
    const db = this.dbAt(kind, join(this.opts.devicesRoot, device, `${kind}s`, part, hash.slice(-3), hash, `${hash}.db`));
    db.setNames(account, container);
    return db;
  }

  /** The database at a path, from the node's pool (shared with the replicator). */
  dbAt(kind: 'container' | 'account', path: string): ListingDb {
    return this.dbs.get(kind, path);
  }

  /** How many listing databases have an open connection. */
  openDatabases(): number {
    return this.dbs.size;
  }

  /** A replica's rows and info, from another node's database replicator. */
  private async mergeReplica(req: IncomingMessage, res: ServerResponse, db: ListingDb): Promise<void> {
    let body: { info: Parameters<ListingDb['merge']>[0]; rows: Parameters<ListingDb['merge']>[1]; accountTarget?: { host: string; device: string; partition: string } };
    try {
      body = (await json(req)) as typeof body;
    } catch {
      return send(res, 400, {}, 'bad replication body');
    }
    db.merge(body.info, body.rows);
    if (body.accountTarget && !db.accountTarget()) db.setAccountTarget(body.accountTarget.host, body.accountTarget.device, body.accountTarget.partition);
    return send(res, 204);
  }

  private async container(req: IncomingMessage, res: ServerResponse, parts: string[]): Promise<void> {
    const [device, part, account, container, ...rest] = parts;
    if (!device || !part || !account || !container) return send(res, 400, {}, 'bad path');
    const db = this.db('container', device, part, account, container);
    if (req.method === 'POST' && req.headers['x-backend-replication'] === 'true') return this.mergeReplica(req, res, db);
    if (req.method === 'POST' && req.headers[OBJECT_UPDATES_HEADER] === 'json' && rest.length === 0) return this.objectUpdates(req, res, db, account, container);
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

  /** A batch of object row updates from an object server (see ContainerUpdateSender), in one transaction. */
  private async objectUpdates(req: IncomingMessage, res: ServerResponse, db: ListingDb, account: string, container: string): Promise<void> {
    let updates: unknown;
    try {
      updates = await json(req);
    } catch {
      return send(res, 400, {}, 'bad object updates body');
    }
    const valid = (u: Partial<ObjectRowUpdate>): u is ObjectRowUpdate =>
      (u.op === 'PUT' || u.op === 'DELETE') && typeof u.object === 'string' && u.object !== '' && typeof u.timestamp === 'string' && /^\d{1,10}(\.\d{1,5})?$/.test(u.timestamp) && typeof u.size === 'number' && u.size >= 0;
    if (!Array.isArray(updates) || !updates.every((u) => typeof u === 'object' && u !== null && valid(u as Partial<ObjectRowUpdate>))) {
      return send(res, 400, {}, 'object updates must be a JSON array of {op, object, timestamp, size}');
    }
    db.putRows(
      (updates as ObjectRowUpdate[]).map((u) => ({
        name: u.object,
        timestamp: normalizeTimestamp(u.timestamp),
        size: u.size,
        contentType: u.contentType ?? '',
        etag: u.etag ?? '',
        deleted: u.op === 'DELETE',
      })),
    );
    this.scheduleAccountUpdate(db, account, container);
    return send(res, 204);
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
    if (!container && req.method === 'POST' && req.headers['x-backend-replication'] === 'true') return this.mergeReplica(req, res, db);
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
        // with its figures: the proxy's account row for a container PUT again keeps them
        return send(res, existed ? 202 : 201, statHeaders());
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
        const rows = db.list(listingQueryOf(q));
        return send(res, 200, { ...statHeaders(), 'content-type': 'application/json' }, JSON.stringify(rows));
      }
      default:
        return send(res, 405);
    }
  }
}
