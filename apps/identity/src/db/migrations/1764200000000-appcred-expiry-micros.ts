import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The microseconds of an application credential's `expires_at` as the client gave them (the
 * datetime(6) column is read back through JavaScript dates, which keep milliseconds only).
 */
export class AppCredExpiryMicros1764200000000 implements MigrationInterface {
  name = 'AppCredExpiryMicros1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE application_credential ADD COLUMN expires_at_micros int NULL AFTER expires_at');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE application_credential DROP COLUMN expires_at_micros');
  }
}
