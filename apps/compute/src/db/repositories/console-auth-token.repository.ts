import { DataSource, Repository } from 'typeorm';
import { ConsoleAuthTokenEntity } from '../entities/console-auth-token.entity';

export type ConsumeResult =
  { ok: true; token: ConsoleAuthTokenEntity } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

/** Console tokens (table console_auth_token): made by the API, consumed once by the console proxy. */
export class ConsoleAuthTokenRepository {
  private readonly tokens: Repository<ConsoleAuthTokenEntity>;

  constructor(private readonly ds: DataSource) {
    this.tokens = ds.getRepository(ConsoleAuthTokenEntity);
  }

  /** Stores a token's hash good for `ttlSeconds` from now (the database's clock); drops expired rows first. */
  async create(
    fields: Pick<ConsoleAuthTokenEntity, 'tokenHash' | 'consoleType' | 'instanceUuid' | 'host' | 'requestId'>,
    ttlSeconds: number,
  ): Promise<void> {
    await this.ds.query('DELETE FROM console_auth_token WHERE expires_at < NOW(6)');
    await this.ds.query(
      'INSERT INTO console_auth_token (token_hash, console_type, instance_uuid, host, request_id, expires_at) VALUES (?, ?, ?, ?, ?, NOW(6) + INTERVAL ? SECOND)',
      [fields.tokenHash, fields.consoleType, fields.instanceUuid, fields.host, fields.requestId, ttlSeconds],
    );
  }

  /**
   * Marks the token used if it is unused and unexpired, in one UPDATE (two connections racing for
   * one token: exactly one wins), and returns it; otherwise why not.
   */
  async consume(tokenHash: string): Promise<ConsumeResult> {
    const res = (await this.ds.query(
      'UPDATE console_auth_token SET used = 1, used_at = NOW(6) WHERE token_hash = ? AND used = 0 AND expires_at > NOW(6)',
      [tokenHash],
    )) as { affectedRows?: number };
    const token = await this.tokens.findOne({ where: { tokenHash } });
    if (res.affectedRows === 1 && token) return { ok: true, token };
    if (!token) return { ok: false, reason: 'unknown' };
    const [{ expired }] = (await this.ds.query(
      'SELECT expires_at <= NOW(6) AS expired FROM console_auth_token WHERE id = ?',
      [token.id],
    )) as Array<{ expired: number | string }>;
    return { ok: false, reason: Number(expired) === 1 ? 'expired' : 'used' };
  }

  /** Forgets an instance's tokens (it was deleted or moved). */
  async deleteForInstance(instanceUuid: string): Promise<void> {
    await this.tokens.delete({ instanceUuid });
  }
}
