import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** A query function such as TypeORM's `dataSource.query`. */
export type Query = (sql: string) => Promise<Array<Record<string, unknown>>>;

/**
 * Row counts of every table of the connection's current database, in one round trip:
 * `{ "user": 3, "project": 2, ... }`. Tables named in `ignore` (e.g. a log of failed logins) are left out.
 */
export async function tableCounts(query: Query, ignore: string[] = []): Promise<Record<string, number>> {
  const tables = (await query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name'))
    .map((r) => String(r.t ?? r.T ?? r.TABLE_NAME))
    .filter((t) => !ignore.includes(t));
  if (tables.length === 0) return {};
  const rows = await query(tables.map((t) => `SELECT '${t}' AS t, COUNT(*) AS n FROM \`${t}\``).join(' UNION ALL '));
  return Object.fromEntries(rows.map((r) => [String(r.t), Number(r.n)]));
}

/** How many files under `root` (recursively) match `keep`, by extension: `{ ".data": 4, ".db": 9 }`. */
export function fileCounts(root: string, keep: RegExp): Record<string, number> {
  const counts: Record<string, number> = {};
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else {
        const m = keep.exec(e.name);
        if (m) counts[m[0]] = (counts[m[0]] ?? 0) + 1;
      }
    }
  };
  walk(root);
  return counts;
}

/** The keys whose values differ between two snapshots, as `key: before → after`. */
export function snapshotDiff(before: Record<string, number>, after: Record<string, number>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => (before[k] ?? 0) !== (after[k] ?? 0)).map((k) => `${k}: ${before[k] ?? 0} → ${after[k] ?? 0}`);
}
