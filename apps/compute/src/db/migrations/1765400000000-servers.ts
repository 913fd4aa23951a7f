import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLE = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';

/**
 * Servers and where they run: instances (with metadata, faults, actions and their events), the
 * compute nodes the agents report (capacity, facts, and what the scheduler has claimed on them) and
 * the services (nova-compute per host, nova-scheduler/nova-conductor per scheduler process) that
 * os-services lists and the scheduler's ComputeFilter reads.
 *
 * - `instance.claimed` says whether the instance's flavor is counted in its node's *_used columns,
 *   so that releasing a claim (delete, ERROR) is a compare-and-set and happens once.
 * - `instance.request_spec` is what the scheduler and the agent need that is not a column: the
 *   image as the API read it with the user's token (the scheduler has no user token).
 * - quota usage of instances/cores/ram lives in quota_usage (initial migration), changed in the
 *   transaction that inserts or deletes the instance rows.
 */
export class ComputeServers1765400000000 implements MigrationInterface {
  name = 'ComputeServers1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE instance (
      id int NOT NULL AUTO_INCREMENT PRIMARY KEY, uuid char(36) NOT NULL, project_id varchar(255) NOT NULL, user_id varchar(255) NOT NULL,
      name varchar(255) NOT NULL, hostname varchar(255) NOT NULL, reservation_id varchar(255) NOT NULL, launch_index int NOT NULL DEFAULT 0,
      vm_state varchar(255) NOT NULL, task_state varchar(255) NULL, power_state int NOT NULL DEFAULT 0, progress int NOT NULL DEFAULT 0,
      host varchar(255) NULL, node varchar(255) NULL, availability_zone varchar(255) NULL, claimed tinyint NOT NULL DEFAULT 0,
      image_ref varchar(255) NOT NULL, flavorid varchar(255) NOT NULL, vcpus int NOT NULL, memory_mb int NOT NULL, root_gb int NOT NULL,
      ephemeral_gb int NOT NULL DEFAULT 0, swap_mb int NOT NULL DEFAULT 0, flavor mediumtext NOT NULL,
      key_name varchar(255) NULL, key_data mediumtext NULL, user_data mediumtext NULL, config_drive tinyint NOT NULL DEFAULT 0,
      disk_config varchar(16) NOT NULL DEFAULT 'MANUAL', access_ip_v4 varchar(39) NULL, access_ip_v6 varchar(39) NULL,
      networks mediumtext NOT NULL, security_groups text NOT NULL, request_spec mediumtext NOT NULL,
      launched_at datetime(6) NULL, terminated_at datetime(6) NULL,
      created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      deleted_at datetime(6) NULL, deleted tinyint NOT NULL DEFAULT 0,
      UNIQUE KEY instance_uuid (uuid), INDEX instance_project (project_id, deleted), INDEX instance_host (host, deleted),
      INDEX instance_state (vm_state, deleted), INDEX instance_updated (updated_at)
    ) ${TABLE}`);
    await q.query(`CREATE TABLE instance_metadata (
      instance_id int NOT NULL, \`key\` varchar(255) NOT NULL, value varchar(255) NOT NULL, PRIMARY KEY (instance_id, \`key\`),
      CONSTRAINT instance_metadata_instance FOREIGN KEY (instance_id) REFERENCES instance (id) ON DELETE CASCADE
    ) ${TABLE}`);
    await q.query(`CREATE TABLE instance_fault (
      id int NOT NULL AUTO_INCREMENT PRIMARY KEY, instance_uuid char(36) NOT NULL, code int NOT NULL, message varchar(255) NOT NULL,
      details mediumtext NOT NULL, host varchar(255) NULL, created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      INDEX instance_fault_instance (instance_uuid)
    ) ${TABLE}`);
    await q.query(`CREATE TABLE instance_action (
      id int NOT NULL AUTO_INCREMENT PRIMARY KEY, instance_uuid char(36) NOT NULL, request_id varchar(255) NOT NULL, action varchar(255) NOT NULL,
      user_id varchar(255) NULL, project_id varchar(255) NULL, message varchar(255) NULL,
      start_time datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), finish_time datetime(6) NULL,
      created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      UNIQUE KEY instance_action_request (instance_uuid, request_id)
    ) ${TABLE}`);
    await q.query(`CREATE TABLE instance_action_event (
      id int NOT NULL AUTO_INCREMENT PRIMARY KEY, action_id int NOT NULL, event varchar(255) NOT NULL,
      start_time datetime(6) NULL, finish_time datetime(6) NULL, result varchar(255) NULL, traceback mediumtext NULL, host varchar(255) NULL,
      UNIQUE KEY instance_action_event_name (action_id, event),
      CONSTRAINT instance_action_event_action FOREIGN KEY (action_id) REFERENCES instance_action (id) ON DELETE CASCADE
    ) ${TABLE}`);
    await q.query(`CREATE TABLE compute_node (
      id int NOT NULL AUTO_INCREMENT PRIMARY KEY, host varchar(255) NOT NULL, hypervisor_hostname varchar(255) NOT NULL, host_ip varchar(64) NOT NULL,
      availability_zone varchar(255) NULL, hypervisor_type varchar(255) NOT NULL, hypervisor_version int NOT NULL, virt_type varchar(16) NOT NULL,
      virt_type_reason text NOT NULL, cpu_info mediumtext NOT NULL,
      vcpus int NOT NULL, memory_mb int NOT NULL, local_gb int NOT NULL,
      vcpus_used int NOT NULL DEFAULT 0, memory_mb_used int NOT NULL DEFAULT 0, local_gb_used int NOT NULL DEFAULT 0,
      reported_vcpus_used int NOT NULL DEFAULT 0, reported_memory_mb_used int NOT NULL DEFAULT 0, reported_local_gb_used int NOT NULL DEFAULT 0,
      free_disk_gb double NOT NULL DEFAULT 0, running_vms int NOT NULL DEFAULT 0, agent_version varchar(64) NOT NULL DEFAULT '',
      created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      UNIQUE KEY compute_node_host (host)
    ) ${TABLE}`);
    await q.query(`CREATE TABLE compute_service (
      id int NOT NULL AUTO_INCREMENT PRIMARY KEY, host varchar(255) NOT NULL, \`binary\` varchar(255) NOT NULL, topic varchar(255) NULL,
      disabled tinyint NOT NULL DEFAULT 0, disabled_reason varchar(255) NULL, forced_down tinyint NOT NULL DEFAULT 0,
      report_count int NOT NULL DEFAULT 0, last_seen_up datetime(6) NULL,
      created_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), updated_at datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      UNIQUE KEY compute_service_host_binary (host, \`binary\`)
    ) ${TABLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['compute_service', 'compute_node', 'instance_action_event', 'instance_action', 'instance_fault', 'instance_metadata', 'instance']) await q.query(`DROP TABLE ${t}`);
  }
}
