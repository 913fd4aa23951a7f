import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Serial console tokens (the console proxy's credentials): the token's sha256 (the token itself is
 * only in the URL the API answered), the instance and its host, the making request, expiry (the
 * database's clock, so the API's and the proxy's clocks never disagree) and the one use. No
 * foreign key to instance: a token outlives nothing (expired rows are purged when tokens are made)
 * and the proxy asks the host whether the domain still exists anyway.
 */
export class ComputeConsoleAuthTokens1765500000000 implements MigrationInterface {
  name = 'ComputeConsoleAuthTokens1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE console_auth_token (
      id int NOT NULL AUTO_INCREMENT PRIMARY KEY, token_hash char(64) NOT NULL, console_type varchar(32) NOT NULL,
      instance_uuid char(36) NOT NULL, host varchar(255) NOT NULL, request_id varchar(64) NULL,
      used tinyint NOT NULL DEFAULT 0, used_at datetime(6) NULL, expires_at datetime(6) NOT NULL,
      created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      UNIQUE KEY console_auth_token_hash (token_hash), INDEX console_auth_token_expires (expires_at),
      INDEX console_auth_token_instance (instance_uuid)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE console_auth_token');
  }
}
