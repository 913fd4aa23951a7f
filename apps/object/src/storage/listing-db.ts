import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** A row of a container (an object) or of an account (a container). */
export interface ListingRow {
  name: string;
  timestamp: string;
  size: number;
  /** objects only */
  contentType?: string;
  etag?: string;
  /** containers only: object count */
  count?: number;
  deleted: boolean;
}

export interface ListingQuery {
  prefix?: string;
  delimiter?: string;
  marker?: string;
  endMarker?: string;
  limit: number;
  reverse?: boolean;
  /** Swift's old pseudo-directory query: prefix `path/`, delimiter `/`, direct children only (no subdirs) */
  path?: string;
}

export interface DbInfo {
  putTimestamp: string;
  deleteTimestamp: string;
  objectCount: number;
  bytesUsed: number;
  containerCount: number;
  metadata: Record<string, [string, string]>;
}

/** SQLite's page cache of one open listing database, KiB. */
export const LISTING_DB_CACHE_KIB = 1024;

/**
 * A container's object listing or an account's container listing, in SQLite (one database file per
 * container/account, as Swift keeps them). Rows and metadata are last-writer-wins by timestamp;
 * deletions are kept as tombstone rows so replicas can merge.
 */
export class ListingDb {
  private conn: Database.Database | undefined;
  /** Prepared statements by SQL: preparing costs more than running them (a container update runs several). */
  private readonly statements = new Map<string, Database.Statement>();
  private named = false;
  private migrated = false;

  private st(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  /**
   * Opens the database (creating it); `onOpen` is told each time its connection opens, the first and
   * after every `release` (a ListingDbPool keeps the number of open connections bounded).
   */
  constructor(
    readonly path: string,
    readonly kind: 'container' | 'account',
    private readonly onOpen?: (db: ListingDb) => void,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.connect();
  }

  /** The SQLite connection, opened again on first use after a `release`. */
  private get db(): Database.Database {
    return this.conn ?? this.connect();
  }

  private connect(): Database.Database {
    const db = new Database(this.path);
    try {
      db.pragma('journal_mode = WAL');
      // WAL with NORMAL: a commit survives a crash of the process without an fsync of its own (the WAL is
      // fsynced at checkpoints); rows lost to a power cut come back from the other replicas (replication)
      // — what Swift accepts for its unsynced .pending files
      db.pragma('synchronous = NORMAL');
      // SQLite's page cache is per connection (2 MiB by default); the file's pages stay in the kernel's
      // page cache anyway, so 1 MiB per open database keeps a node's memory bounded (docs/operations.md)
      db.pragma(`cache_size = -${LISTING_DB_CACHE_KIB}`);
      if (!this.migrated) this.migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    this.conn = db;
    this.onOpen?.(this);
    return db;
  }

  private migrate(db: Database.Database): void {
    db.exec(`
      CREATE TABLE IF NOT EXISTS info (id INTEGER PRIMARY KEY CHECK (id = 0), put_timestamp TEXT NOT NULL DEFAULT '0',
        delete_timestamp TEXT NOT NULL DEFAULT '0', metadata TEXT NOT NULL DEFAULT '{}');
      INSERT OR IGNORE INTO info (id) VALUES (0);
      CREATE TABLE IF NOT EXISTS rows (name BLOB PRIMARY KEY, timestamp TEXT NOT NULL, size INTEGER NOT NULL DEFAULT 0,
        content_type TEXT, etag TEXT, count INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS account_target (id INTEGER PRIMARY KEY CHECK (id = 0), host TEXT, device TEXT, partition TEXT);
      CREATE TABLE IF NOT EXISTS sync_points (peer TEXT PRIMARY KEY, seq INTEGER NOT NULL);
    `);
    // columns added after the first release: the names (for the replicator) and a change sequence
    const has = (table: string, column: string) => (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).some((c) => c.name === column);
    if (!has('info', 'account')) db.exec(`ALTER TABLE info ADD COLUMN account TEXT; ALTER TABLE info ADD COLUMN container TEXT;`);
    if (!has('rows', 'seq')) db.exec(`ALTER TABLE rows ADD COLUMN seq INTEGER NOT NULL DEFAULT 0; UPDATE rows SET seq = rowid;`);
    db.exec('CREATE INDEX IF NOT EXISTS rows_seq ON rows (seq)');
    this.migrated = true;
  }

  /** Whether its SQLite connection is open now. */
  get isOpen(): boolean {
    return this.conn !== undefined;
  }

  /** Closes the SQLite connection (its page cache, statements and file handles); the next use reopens it. */
  release(): void {
    if (!this.conn) return;
    this.statements.clear();
    this.conn.close();
    this.conn = undefined;
  }

  /** Records whose database this is (the replicator needs the names to address its peers). */
  setNames(account: string, container?: string): void {
    if (this.named) return;
    this.named = true;
    this.st('UPDATE info SET account = ?, container = ? WHERE id = 0 AND account IS NULL').run(account, container ?? null);
  }

  names(): { account: string; container?: string } | undefined {
    const r = this.st('SELECT account, container FROM info WHERE id = 0').get() as { account: string | null; container: string | null };
    return r.account === null ? undefined : { account: r.account, container: r.container ?? undefined };
  }

  /** Rows changed after `seq` (deleted ones included), oldest change first. */
  rowsSince(seq: number, limit: number): Array<ListingRow & { seq: number }> {
    const rows = this.st('SELECT name, timestamp, size, content_type, etag, count, deleted, seq FROM rows WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(seq, limit) as Array<{ name: Buffer; timestamp: string; size: number; content_type: string | null; etag: string | null; count: number; deleted: number; seq: number }>;
    return rows.map((r) => ({ name: r.name.toString('utf8'), timestamp: r.timestamp, size: r.size, contentType: r.content_type ?? undefined, etag: r.etag ?? undefined, count: r.count, deleted: r.deleted === 1, seq: r.seq }));
  }

  maxSeq(): number {
    return (this.st('SELECT COALESCE(MAX(seq), 0) s FROM rows').get() as { s: number }).s;
  }

  syncPoint(peer: string): number {
    return (this.st('SELECT seq FROM sync_points WHERE peer = ?').get(peer) as { seq: number } | undefined)?.seq ?? 0;
  }

  setSyncPoint(peer: string, seq: number): void {
    this.st('INSERT INTO sync_points (peer, seq) VALUES (?, ?) ON CONFLICT(peer) DO UPDATE SET seq = excluded.seq').run(peer, seq);
  }

  /** What a replica sends besides rows: timestamps and metadata with each key's timestamp. */
  replicationInfo(): { putTimestamp: string; deleteTimestamp: string; metadata: Record<string, [string, string]> } {
    const i = this.st('SELECT put_timestamp p, delete_timestamp d, metadata m FROM info WHERE id = 0').get() as { p: string; d: string; m: string };
    return { putTimestamp: i.p, deleteTimestamp: i.d, metadata: JSON.parse(i.m) as Record<string, [string, string]> };
  }

  /** Merges a replica's state: newest timestamps and metadata values win, rows by their timestamps. */
  merge(info: { putTimestamp: string; deleteTimestamp: string; metadata: Record<string, [string, string]> }, rows: ListingRow[]): void {
    this.db.transaction(() => {
      if (info.putTimestamp !== '0') this.initialize(info.putTimestamp);
      if (info.deleteTimestamp !== '0') this.markDeleted(info.deleteTimestamp);
      for (const [k, [v, ts]] of Object.entries(info.metadata)) this.updateMetadata({ [k]: v }, ts);
      for (const r of rows) this.putRow(r);
    })();
  }

  close(): void {
    this.release();
  }

  /** Where a container reports its object count and bytes (the paired account server). */
  setAccountTarget(host: string, device: string, partition: string): void {
    this.st('INSERT OR REPLACE INTO account_target (id, host, device, partition) VALUES (0, ?, ?, ?)').run(host, device, partition);
  }

  accountTarget(): { host: string; device: string; partition: string } | undefined {
    return this.st('SELECT host, device, partition FROM account_target WHERE id = 0').get() as { host: string; device: string; partition: string } | undefined;
  }

  /** Created (PUT) at this timestamp; a later PUT after a DELETE revives it. */
  initialize(putTimestamp: string): void {
    this.st('UPDATE info SET put_timestamp = ? WHERE id = 0 AND put_timestamp < ?').run(putTimestamp, putTimestamp);
  }

  markDeleted(deleteTimestamp: string): void {
    this.st('UPDATE info SET delete_timestamp = ? WHERE id = 0 AND delete_timestamp < ?').run(deleteTimestamp, deleteTimestamp);
  }

  /** True while it exists: created and not deleted since. */
  isLive(): boolean {
    const row = this.st('SELECT put_timestamp p, delete_timestamp d FROM info WHERE id = 0').get() as { p: string; d: string };
    return row.p !== '0' && row.p > row.d;
  }

  /** Merges metadata: each key keeps its newest value; an empty value removes it. */
  updateMetadata(updates: Record<string, string>, timestamp: string): void {
    const tx = this.db.transaction(() => {
      const cur = JSON.parse((this.st('SELECT metadata m FROM info WHERE id = 0').get() as { m: string }).m) as Record<string, [string, string]>;
      for (const [k, v] of Object.entries(updates)) {
        if (!cur[k] || cur[k][1] <= timestamp) cur[k] = [v, timestamp];
      }
      this.st('UPDATE info SET metadata = ? WHERE id = 0').run(JSON.stringify(cur));
    });
    tx();
  }

  /** Several rows in one transaction (a batch of object updates). */
  putRows(rows: ListingRow[]): void {
    this.db.transaction(() => {
      for (const r of rows) this.putRow(r);
    })();
  }

  /** Inserts or replaces a row when newer than what is stored (last writer wins). */
  putRow(r: ListingRow): void {
    this.st(
        `INSERT INTO rows (name, timestamp, size, content_type, etag, count, deleted, seq)
           VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM rows))
         ON CONFLICT(name) DO UPDATE SET timestamp = excluded.timestamp, size = excluded.size, content_type = excluded.content_type,
           etag = excluded.etag, count = excluded.count, deleted = excluded.deleted, seq = excluded.seq
         WHERE excluded.timestamp > rows.timestamp
           OR (excluded.timestamp = rows.timestamp AND (excluded.size, excluded.count, excluded.deleted) IS NOT (rows.size, rows.count, rows.deleted))`,
      )
      .run(Buffer.from(r.name, 'utf8'), r.timestamp, r.size, r.contentType ?? null, r.etag ?? null, r.count ?? 0, r.deleted ? 1 : 0);
  }

  info(): DbInfo {
    const i = this.st('SELECT put_timestamp p, delete_timestamp d, metadata m FROM info WHERE id = 0').get() as { p: string; d: string; m: string };
    const agg = this.st('SELECT COUNT(*) n, COALESCE(SUM(size), 0) bytes, COALESCE(SUM(count), 0) objects FROM rows WHERE deleted = 0')
      .get() as { n: number; bytes: number; objects: number };
    const metadata = Object.fromEntries(Object.entries(JSON.parse(i.m) as Record<string, [string, string]>).filter(([, [v]]) => v !== ''));
    return {
      putTimestamp: i.p,
      deleteTimestamp: i.d,
      objectCount: this.kind === 'container' ? agg.n : agg.objects,
      containerCount: this.kind === 'account' ? agg.n : 0,
      bytesUsed: agg.bytes,
      metadata,
    };
  }

  /**
   * Lists live rows in byte order under `prefix`, after `marker` and before `endMarker` (with
   * `reverse`, in descending order and the markers swap roles: `marker` is the upper bound, as in
   * Swift). With a delimiter (a prefix of its own or not), names sharing the part up to the next
   * delimiter after the prefix roll up into one `subdir`. Swift's container and account servers'
   * algorithm (`list_objects_iter`, `list_containers_iter`): a rolled-up `subdir` equal to the
   * request's (lower, after the swap) marker is not listed again, and after a roll-up the scan goes
   * on from just after the subdir (the name up to the delimiter with the delimiter's last character
   * incremented, inclusive), so a client that pages with `marker=<last subdir>` reaches the end.
   */
  list(q: ListingQuery): Array<ListingRow | { subdir: string }> {
    const out: Array<ListingRow | { subdir: string }> = [];
    const reverse = q.reverse === true;
    // Swift swaps the markers for a reverse listing: the scan runs from `marker` down to `endMarker`
    let marker = (reverse ? q.endMarker : q.marker) || undefined;
    let endMarker = (reverse ? q.marker : q.endMarker) || undefined;
    const origMarker = marker;
    let prefix = q.prefix ?? '';
    let delimiter = q.delimiter || undefined;
    let path = q.path;
    if (path !== undefined) {
      // path= overrides prefix and delimiter (Python's path.rstrip('/') + '/')
      if (path) path = prefix = `${path.replace(/\/+$/, '')}/`;
      else prefix = '';
      delimiter = '/';
    }
    const endPrefix = prefix ? afterPrefix(prefix) : undefined;
    let forceGte = false;
    while (out.length < q.limit) {
      const conds = ['deleted = 0'];
      const params: unknown[] = [];
      if (endMarker !== undefined) {
        conds.push('name < ?');
        params.push(Buffer.from(endMarker, 'utf8'));
      }
      if (prefix) {
        conds.push('name >= ?');
        params.push(Buffer.from(prefix, 'utf8'));
        if (endPrefix) {
          conds.push('name < ?');
          params.push(endPrefix);
        } else {
          conds.push('substr(name, 1, ?) = ?');
          params.push(Buffer.byteLength(prefix), Buffer.from(prefix, 'utf8'));
        }
      }
      if (marker !== undefined) {
        conds.push(forceGte ? 'name >= ?' : 'name > ?');
        params.push(Buffer.from(marker, 'utf8'));
      }
      forceGte = false;
      const want = q.limit - out.length;
      type Db = { name: Buffer; timestamp: string; size: number; content_type: string | null; etag: string | null; count: number };
      const stmt = this.st(`SELECT name, timestamp, size, content_type, etag, count FROM rows WHERE ${conds.join(' AND ')} ORDER BY name ${reverse ? 'DESC' : 'ASC'} LIMIT ?`);
      const row = (r: Db, name: string): ListingRow => ({
        name,
        timestamp: r.timestamp,
        size: r.size,
        contentType: r.content_type ?? undefined,
        etag: r.etag ?? undefined,
        count: r.count,
        deleted: false,
      });
      if (!delimiter) {
        for (const r of stmt.all(...params, want) as Db[]) out.push(row(r, r.name.toString('utf8')));
        return out;
      }
      let rolledUp = false;
      let seen = 0;
      // a cursor, as Swift's: a roll-up ends this query after one row, not after `want` rows read
      for (const r of stmt.iterate(...params, want) as IterableIterator<Db>) {
        seen++;
        const name = r.name.toString('utf8');
        if (reverse) endMarker = name;
        else marker = name;
        const end = name.indexOf(delimiter, prefix.length);
        if (path !== undefined) {
          // the path itself is not listed; deeper names are skipped, not rolled up (and, as in
          // Swift, the scan goes on strictly after the name up to the delimiter, incremented)
          if (name === path) continue;
          if (end >= 0 && name.length > end + delimiter.length) {
            if (reverse) endMarker = name.slice(0, end + delimiter.length);
            else marker = name.slice(0, end) + bumpLast(delimiter);
            rolledUp = true;
            break;
          }
        } else if (end >= 0) {
          const subdir = name.slice(0, end + delimiter.length);
          if (reverse) endMarker = subdir;
          else {
            // everything under the subdir sorts before this: go on from there, inclusive
            marker = name.slice(0, end) + bumpLast(delimiter);
            forceGte = true;
          }
          if (subdir !== origMarker) out.push({ subdir });
          rolledUp = true;
          break;
        }
        out.push(row(r, name));
      }
      // a short page without a roll-up is the end (Swift asks once more and gets nothing)
      if (!rolledUp && seen < want) break;
    }
    return out;
  }
}

/**
 * The listing databases of a storage node, at most `maxOpen` of them with an open SQLite connection.
 * A node used to keep every database it had opened open for good (each one 150 KiB of connection and
 * up to its page cache: 0.3-0.5 MiB for a container of 2,000 objects), and the replicator opens every
 * database on the node each pass. Past `maxOpen`, the least recently used one is released; whoever
 * still holds it (a replication pass across a request) reopens it on its next use.
 */
export class ListingDbPool {
  private readonly open = new Map<string, ListingDb>();

  constructor(readonly maxOpen = 32) {
    if (!(maxOpen >= 1)) throw new Error(`maxOpen must be at least 1, got ${maxOpen}`);
  }

  /** The database at `path`: the open one (now the most recently used), or a newly opened one. */
  get(kind: 'container' | 'account', path: string): ListingDb {
    const db = this.open.get(path);
    if (db) {
      this.open.delete(path);
      this.open.set(path, db);
      return db;
    }
    return new ListingDb(path, kind, (d) => this.opened(d));
  }

  /** How many connections are open. */
  get size(): number {
    return this.open.size;
  }

  close(): void {
    for (const db of this.open.values()) db.release();
    this.open.clear();
  }

  private opened(db: ListingDb): void {
    const other = this.open.get(db.path);
    this.open.delete(db.path);
    // a released one reopened while its replacement was open: one connection per file
    if (other && other !== db) other.release();
    this.open.set(db.path, db);
    for (const [path, oldest] of this.open) {
      if (this.open.size <= this.maxOpen) break;
      this.open.delete(path);
      oldest.release();
    }
  }
}

/** The string with its last code point incremented (Python's `s[:-1] + chr(ord(s[-1]) + 1)`). */
function bumpLast(s: string): string {
  const points = Array.from(s);
  const last = points.pop()!.codePointAt(0)!;
  // past U+10FFFF there is nothing: Swift fails there (chr() raises); the highest code point will do
  return points.join('') + String.fromCodePoint(Math.min(last + 1, 0x10ffff));
}

/** The first name after every name that starts with `prefix`, as bytes; undefined if there is none. */
function afterPrefix(prefix: string): Buffer | undefined {
  const last = Array.from(prefix).pop()!.codePointAt(0)!;
  return last >= 0x10ffff ? undefined : Buffer.from(bumpLast(prefix), 'utf8');
}

/** A listing request's parameters as Swift's container and account servers read them. */
export function listingQueryOf(q: URLSearchParams, maxLimit = 10000): ListingQuery {
  const given = q.get('limit');
  // constrain_req_limit: a limit of digits only counts (anything else means the default); the proxy
  // has refused one above the maximum already
  const limit = given && /^[0-9]+$/.test(given) ? Math.min(Number(given), maxLimit) : maxLimit;
  return {
    prefix: q.get('prefix') || undefined,
    delimiter: q.get('delimiter') || undefined,
    marker: q.get('marker') || undefined,
    endMarker: q.get('end_marker') || undefined,
    limit,
    reverse: ['true', '1', 'yes', 'on', 't', 'y'].includes((q.get('reverse') ?? '').toLowerCase()),
    // present but empty counts: path= lists the top level
    ...(q.has('path') ? { path: q.get('path')! } : {}),
  };
}
