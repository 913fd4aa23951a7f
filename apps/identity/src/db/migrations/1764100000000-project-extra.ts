import { MigrationInterface, QueryRunner } from 'typeorm';

/** Projects keep the attributes Keystone stores as `extra` (any key a client sends that is not modelled). */
export class ProjectExtra1764100000000 implements MigrationInterface {
  name = 'ProjectExtra1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE project ADD COLUMN extra json NULL AFTER tags');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE project DROP COLUMN extra');
  }
}
