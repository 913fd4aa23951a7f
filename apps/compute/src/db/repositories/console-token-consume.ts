/**
 * Consuming a console token, in SQL only: the console proxy runs it on a plain mysql2 pool (no
 * TypeORM in that process: docs/operations.md), ConsoleAuthTokenRepository on its data source. No
 * TypeORM import here.
 */

/** The statement runner: TypeORM's DataSource.query or a `@kumo/db/core` SqlPool's query. */
export type SqlQuery = (sql: string, params: unknown[]) => Promise<unknown>;

/** What the proxy needs of a consumed token (table console_auth_token). */
export interface ConsoleToken {
  id: number;
  consoleType: string;
  instanceUuid: string;
  host: string;
  requestId: string | null;
}

export type ConsumeResult = { ok: true; token: ConsoleToken } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

interface TokenRow {
  id: number;
  console_type: string;
  instance_uuid: string;
  host: string;
  request_id: string | null;
  expired: number | string;
}

/**
 * Marks the token used if it is unused and unexpired, in one UPDATE (two connections racing for
 * one token: exactly one wins), and returns it; otherwise why not.
 */
export async function consumeConsoleToken(query: SqlQuery, tokenHash: string): Promise<ConsumeResult> {
  const res = (await query(
    'UPDATE console_auth_token SET used = 1, used_at = NOW(6) WHERE token_hash = ? AND used = 0 AND expires_at > NOW(6)',
    [tokenHash],
  )) as { affectedRows?: number };
  const [row] = (await query(
    'SELECT id, console_type, instance_uuid, host, request_id, expires_at <= NOW(6) AS expired FROM console_auth_token WHERE token_hash = ?',
    [tokenHash],
  )) as TokenRow[];
  if (!row) return { ok: false, reason: 'unknown' };
  if (res.affectedRows === 1)
    return {
      ok: true,
      token: { id: row.id, consoleType: row.console_type, instanceUuid: row.instance_uuid, host: row.host, requestId: row.request_id },
    };
  return { ok: false, reason: Number(row.expired) === 1 ? 'expired' : 'used' };
}

/** The console proxy's tokens: consume only, on a plain SQL pool. */
export class SqlConsoleTokens {
  constructor(private readonly query: SqlQuery) {}

  consume(tokenHash: string): Promise<ConsumeResult> {
    return consumeConsoleToken(this.query, tokenHash);
  }
}
