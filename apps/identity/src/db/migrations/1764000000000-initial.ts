import { MigrationInterface, QueryRunner } from 'typeorm';

/** The identity schema: resources, assignments, catalog, application credentials, revocations. */
export class Initial1764000000000 implements MigrationInterface {
  name = 'Initial1764000000000';

  async up(q: QueryRunner): Promise<void> {
    const t = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
    await q.query(`CREATE TABLE domain (
      id varchar(64) NOT NULL PRIMARY KEY,
      name varchar(64) NOT NULL,
      description text NULL,
      enabled tinyint(1) NOT NULL DEFAULT 1,
      tags json NOT NULL,
      created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      UNIQUE KEY uq_domain_name (name)) ${t}`);
    await q.query(`CREATE TABLE project (
      id varchar(64) NOT NULL PRIMARY KEY,
      name varchar(64) NOT NULL,
      domain_id varchar(64) NOT NULL,
      parent_id varchar(64) NULL,
      description text NULL,
      enabled tinyint(1) NOT NULL DEFAULT 1,
      tags json NOT NULL,
      created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      UNIQUE KEY uq_project_domain_name (domain_id, name),
      KEY ix_project_parent (parent_id)) ${t}`);
    await q.query(`CREATE TABLE \`user\` (
      id varchar(64) NOT NULL PRIMARY KEY,
      name varchar(255) NOT NULL,
      domain_id varchar(64) NOT NULL,
      enabled tinyint(1) NOT NULL DEFAULT 1,
      password_hash varchar(255) NULL,
      default_project_id varchar(64) NULL,
      description text NULL,
      email varchar(255) NULL,
      options json NOT NULL,
      extra json NOT NULL,
      created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      UNIQUE KEY uq_user_domain_name (domain_id, name)) ${t}`);
    await q.query(`CREATE TABLE \`group\` (
      id varchar(64) NOT NULL PRIMARY KEY,
      name varchar(64) NOT NULL,
      domain_id varchar(64) NOT NULL,
      description text NULL,
      UNIQUE KEY uq_group_domain_name (domain_id, name)) ${t}`);
    await q.query(`CREATE TABLE group_membership (
      group_id varchar(64) NOT NULL,
      user_id varchar(64) NOT NULL,
      PRIMARY KEY (group_id, user_id),
      KEY ix_membership_user (user_id)) ${t}`);
    await q.query(`CREATE TABLE role (
      id varchar(64) NOT NULL PRIMARY KEY,
      name varchar(255) NOT NULL,
      domain_id varchar(64) NULL,
      description text NULL,
      options json NOT NULL,
      UNIQUE KEY uq_role_name (name)) ${t}`);
    await q.query(`CREATE TABLE role_assignment (
      actor_type varchar(8) NOT NULL,
      actor_id varchar(64) NOT NULL,
      target_type varchar(8) NOT NULL,
      target_id varchar(64) NOT NULL,
      role_id varchar(64) NOT NULL,
      PRIMARY KEY (actor_type, actor_id, target_type, target_id, role_id),
      KEY ix_assignment_target (target_type, target_id),
      KEY ix_assignment_role (role_id)) ${t}`);
    await q.query(`CREATE TABLE region (
      id varchar(255) NOT NULL PRIMARY KEY,
      description text NULL,
      parent_region_id varchar(255) NULL) ${t}`);
    await q.query(`CREATE TABLE service (
      id varchar(64) NOT NULL PRIMARY KEY,
      type varchar(255) NOT NULL,
      name varchar(255) NULL,
      description text NULL,
      enabled tinyint(1) NOT NULL DEFAULT 1) ${t}`);
    await q.query(`CREATE TABLE endpoint (
      id varchar(64) NOT NULL PRIMARY KEY,
      service_id varchar(64) NOT NULL,
      interface varchar(8) NOT NULL,
      region_id varchar(255) NULL,
      url text NOT NULL,
      enabled tinyint(1) NOT NULL DEFAULT 1,
      KEY ix_endpoint_service (service_id)) ${t}`);
    await q.query(`CREATE TABLE application_credential (
      id varchar(64) NOT NULL PRIMARY KEY,
      name varchar(255) NOT NULL,
      user_id varchar(64) NOT NULL,
      project_id varchar(64) NOT NULL,
      secret_hash varchar(255) NOT NULL,
      description text NULL,
      expires_at datetime(6) NULL,
      unrestricted tinyint(1) NOT NULL DEFAULT 0,
      role_ids json NOT NULL,
      created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      UNIQUE KEY uq_appcred_user_name (user_id, name)) ${t}`);
    await q.query(`CREATE TABLE revocation_event (
      id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
      audit_id varchar(64) NULL,
      user_id varchar(64) NULL,
      project_id varchar(64) NULL,
      domain_id varchar(64) NULL,
      application_credential_id varchar(64) NULL,
      issued_before datetime(6) NOT NULL,
      expires_at datetime(6) NOT NULL,
      KEY ix_revocation_expires (expires_at)) ${t}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'revocation_event',
      'application_credential',
      'endpoint',
      'service',
      'region',
      'role_assignment',
      'role',
      'group_membership',
      '`group`',
      '`user`',
      'project',
      'domain',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
