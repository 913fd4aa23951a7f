import { MigrationInterface, QueryRunner } from 'typeorm';

/** Keystone's lockout bookkeeping (local_user.failed_auth_count, failed_auth_at). */
export class UserLockout1764400000000 implements MigrationInterface {
  name = 'UserLockout1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE `user` ADD COLUMN failed_auth_count int NULL AFTER password_hash, ADD COLUMN failed_auth_at datetime(6) NULL AFTER failed_auth_count');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE `user` DROP COLUMN failed_auth_count, DROP COLUMN failed_auth_at');
  }
}
