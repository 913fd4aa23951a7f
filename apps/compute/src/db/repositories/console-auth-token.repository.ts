import { DataSource, Repository } from 'typeorm';
import { ConsoleAuthTokenEntity } from '../entities/console-auth-token.entity';
import { consumeConsoleToken, type ConsumeResult } from './console-token-consume';

export type { ConsumeResult } from './console-token-consume';

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

  /** Consumes a token once (console-token-consume.ts: the proxy runs the same SQL on its own pool). */
  consume(tokenHash: string): Promise<ConsumeResult> {
    return consumeConsoleToken((sql, params) => this.ds.query(sql, params), tokenHash);
  }

  /** Forgets an instance's tokens (it was deleted or moved). */
  async deleteForInstance(instanceUuid: string): Promise<void> {
    await this.tokens.delete({ instanceUuid });
  }
}
