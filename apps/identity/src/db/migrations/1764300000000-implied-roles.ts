import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Implied roles (Keystone's `implied_role` table) and domain-specific roles: a role's name is
 * unique within its domain (`domain_key` stands for NULL, a global role, as Keystone's
 * `<<null>>`). Existing deployments get bootstrap's default rules, admin ⇒ member ⇒ reader,
 * which were hard-coded before (new ones get them from bootstrap, which runs after this).
 */
export class ImpliedRoles1764300000000 implements MigrationInterface {
  name = 'ImpliedRoles1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE implied_role (
      prior_role_id varchar(64) NOT NULL,
      implied_role_id varchar(64) NOT NULL,
      PRIMARY KEY (prior_role_id, implied_role_id),
      KEY ix_implied_role_implied (implied_role_id),
      CONSTRAINT fk_implied_role_prior FOREIGN KEY (prior_role_id) REFERENCES role (id) ON DELETE CASCADE,
      CONSTRAINT fk_implied_role_implied FOREIGN KEY (implied_role_id) REFERENCES role (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`);
    await q.query(`ALTER TABLE role
      ADD COLUMN domain_key varchar(64) AS (COALESCE(domain_id, '<<null>>')) PERSISTENT,
      DROP INDEX uq_role_name,
      ADD UNIQUE KEY uq_role_domain_name (domain_key, name)`);
    for (const [prior, implied] of [
      ['admin', 'member'],
      ['member', 'reader'],
    ]) {
      await q.query(
        `INSERT IGNORE INTO implied_role (prior_role_id, implied_role_id)
         SELECT p.id, i.id FROM role p JOIN role i ON p.domain_id IS NULL AND i.domain_id IS NULL WHERE p.name = ? AND i.name = ?`,
        [prior, implied],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE implied_role');
    await q.query('ALTER TABLE role DROP INDEX uq_role_domain_name, DROP COLUMN domain_key, ADD UNIQUE KEY uq_role_name (name)');
  }
}
