import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

/**
 * Flavors (with extra specs and access lists), key pairs, quotas and quota usages.
 *
 * What comes next (servers, the scheduler and the agents; see docs/compute.md "Data model"), each
 * a later migration that leaves these tables as they are:
 * - `instance` (uuid PK as the public id, internal int id, project_id, user_id, name, vm_state,
 *   task_state, power_state, host, node, availability_zone, image_ref, key_name and key_data (a
 *   copy: deleting the key pair does not change the server), config_drive, launched_at,
 *   terminated_at, created/updated/deleted_at) and `instance_extra` (instance_id, flavor JSON: the
 *   flavor as booted, extra specs included, so that a flavor deleted or changed later does not
 *   change its servers, as Nova embeds it; numa/pci later), `instance_metadata` (key, value;
 *   counted against metadata_items), `instance_fault` (code, message, details, created_at);
 *   task_state changes are compare-and-set on the row (libs/db StateTransitions).
 * - `instance_action` (request_id, instance_uuid, action, user_id, project_id, start/finish_time,
 *   message) and `instance_action_event` (action_id, event, start/finish_time, result, traceback,
 *   host): one action per API call, one event per step the agent reports over RPC.
 * - `compute_node` (host, hypervisor_hostname, vcpus, memory_mb, local_gb, their *_used, cpu and
 *   ram and disk allocation ratios, running_vms, hypervisor_type/version, updated_at) written by the
 *   scheduler from the agents' periodic reports; claims are conditional updates of the *_used
 *   columns (`... WHERE vcpus_used + ? <= vcpus * cpu_allocation_ratio`), and `compute_service`
 *   (host, binary, topic, disabled, disabled_reason, forced_down, last_seen_up) for
 *   os-services and the scheduler's liveness filter.
 * - quota_usage rows for `instances`, `cores` and `ram` per (project_id, '') and
 *   (project_id, user_id), changed in the transaction that inserts or deletes the instance row,
 *   the same way key_pairs rows are below.
 */
export class ComputeInitial1765300000000 implements MigrationInterface {
  name = 'ComputeInitial1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE flavor (
      id int NOT NULL AUTO_INCREMENT PRIMARY KEY, flavorid varchar(255) NOT NULL, name varchar(255) NOT NULL,
      memory_mb int NOT NULL, vcpus int NOT NULL, root_gb int NOT NULL, ephemeral_gb int NOT NULL DEFAULT 0, swap int NOT NULL DEFAULT 0,
      rxtx_factor float NOT NULL DEFAULT 1, vcpu_weight int NULL, is_public tinyint NOT NULL DEFAULT 1, disabled tinyint NOT NULL DEFAULT 0,
      description text NULL,
      created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
      UNIQUE KEY flavor_flavorid (flavorid), UNIQUE KEY flavor_name (name)
    ) ${TABLE}`);
    await q.query(`CREATE TABLE flavor_extra_spec (
      flavor_id int NOT NULL, \`key\` varchar(255) NOT NULL, value varchar(255) NOT NULL, PRIMARY KEY (flavor_id, \`key\`),
      CONSTRAINT flavor_extra_spec_flavor FOREIGN KEY (flavor_id) REFERENCES flavor (id) ON DELETE CASCADE
    ) ${TABLE}`);
    await q.query(`CREATE TABLE flavor_project (
      flavor_id int NOT NULL, project_id varchar(255) NOT NULL, created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      PRIMARY KEY (flavor_id, project_id), INDEX flavor_project_project (project_id),
      CONSTRAINT flavor_project_flavor FOREIGN KEY (flavor_id) REFERENCES flavor (id) ON DELETE CASCADE
    ) ${TABLE}`);
    await q.query(`CREATE TABLE key_pair (
      id int NOT NULL AUTO_INCREMENT PRIMARY KEY, user_id varchar(255) NOT NULL, name varchar(255) NOT NULL,
      fingerprint varchar(255) NOT NULL, public_key mediumtext NOT NULL, type varchar(10) NOT NULL DEFAULT 'ssh',
      created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), updated_at datetime(6) NULL ON UPDATE CURRENT_TIMESTAMP(6),
      UNIQUE KEY key_pair_user_name (user_id, name)
    ) ${TABLE}`);
    await q.query(`CREATE TABLE quota (
      project_id varchar(255) NOT NULL, user_id varchar(255) NOT NULL DEFAULT '', resource varchar(64) NOT NULL, hard_limit int NOT NULL,
      PRIMARY KEY (project_id, user_id, resource)
    ) ${TABLE}`);
    await q.query(`CREATE TABLE quota_usage (
      project_id varchar(255) NOT NULL, user_id varchar(255) NOT NULL DEFAULT '', resource varchar(64) NOT NULL, in_use int NOT NULL DEFAULT 0,
      PRIMARY KEY (project_id, user_id, resource), INDEX quota_usage_user (user_id)
    ) ${TABLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['quota_usage', 'quota', 'key_pair', 'flavor_project', 'flavor_extra_spec', 'flavor']) await q.query(`DROP TABLE ${t}`);
  }
}
