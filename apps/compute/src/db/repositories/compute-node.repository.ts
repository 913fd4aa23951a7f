import { DataSource, Repository } from 'typeorm';
import type { HostReport } from '../../rpc';
import { ComputeNodeEntity, ComputeServiceEntity } from '../entities/compute-node.entity';

/** What a claim takes from a node. */
export interface ClaimAmount {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

export interface AllocationRatios {
  cpu: number;
  ram: number;
  disk: number;
}

/** Compute nodes (agents' reports and the scheduler's claims) and services (os-services, liveness). */
export class ComputeNodeRepository {
  readonly nodes: Repository<ComputeNodeEntity>;
  readonly services: Repository<ComputeServiceEntity>;

  constructor(private readonly ds: DataSource) {
    this.nodes = ds.getRepository(ComputeNodeEntity);
    this.services = ds.getRepository(ComputeServiceEntity);
  }

  /**
   * An agent's report: the node's capacity and facts (its claims are kept: they are the
   * scheduler's), and the host's nova-compute service seen up now. The first report registers both.
   */
  async applyReport(r: HostReport, now: Date): Promise<void> {
    const facts = [r.hypervisorHostname, r.hostIp, r.availabilityZone, r.hypervisorType, r.hypervisorVersion, r.virtType, r.virtTypeReason, r.cpuInfo, r.vcpus, r.memoryMb, r.localGb, r.vcpusUsed, r.memoryMbUsed, r.localGbUsed, r.freeDiskGb, r.runningVms, r.agentVersion, now];
    // UPDATE first, INSERT only for a new host: an INSERT … ON DUPLICATE KEY UPDATE would take an
    // auto-increment id at every report, and hypervisor ids (os-hypervisors) would jump
    const update = () =>
      this.ds.query(
        `UPDATE compute_node SET hypervisor_hostname = ?, host_ip = ?, availability_zone = ?, hypervisor_type = ?, hypervisor_version = ?, virt_type = ?, virt_type_reason = ?,
           cpu_info = ?, vcpus = ?, memory_mb = ?, local_gb = ?, reported_vcpus_used = ?, reported_memory_mb_used = ?, reported_local_gb_used = ?, free_disk_gb = ?,
           running_vms = ?, agent_version = ?, updated_at = ? WHERE host = ?`,
        [...facts, r.host],
      ) as Promise<{ affectedRows: number }>;
    if ((await update()).affectedRows === 0) {
      const res = (await this.ds.query(
        `INSERT IGNORE INTO compute_node (hypervisor_hostname, host_ip, availability_zone, hypervisor_type, hypervisor_version, virt_type, virt_type_reason, cpu_info,
           vcpus, memory_mb, local_gb, reported_vcpus_used, reported_memory_mb_used, reported_local_gb_used, free_disk_gb, running_vms, agent_version, updated_at, host)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [...facts, r.host],
      )) as { affectedRows: number };
      // another conductor registered it first: this report still applies
      if (res.affectedRows === 0) await update();
    }
    await this.heartbeat(r.host, 'nova-compute', 'compute', now);
  }

  /** A service's heartbeat: registers it on first sight, else moves last_seen_up (no auto-increment id spent on a beat). */
  async heartbeat(host: string, binary: string, topic: string, now: Date): Promise<void> {
    const beat = () =>
      this.ds.query('UPDATE compute_service SET report_count = report_count + 1, last_seen_up = ?, updated_at = ? WHERE host = ? AND `binary` = ?', [now, now, host, binary]) as Promise<{ affectedRows: number }>;
    if ((await beat()).affectedRows > 0) return;
    const res = (await this.ds.query('INSERT IGNORE INTO compute_service (host, `binary`, topic, report_count, last_seen_up, updated_at) VALUES (?, ?, ?, 1, ?, ?)', [host, binary, topic, now, now])) as { affectedRows: number };
    if (res.affectedRows === 0) await beat();
  }

  /** Every node with its nova-compute service (the scheduler's host states). */
  async hosts(): Promise<Array<{ node: ComputeNodeEntity; service: ComputeServiceEntity | null }>> {
    const [nodes, services] = await Promise.all([this.nodes.find({ order: { host: 'ASC' } }), this.services.find({ where: { binary: 'nova-compute' } })]);
    const byHost = new Map(services.map((s) => [s.host, s]));
    return nodes.map((node) => ({ node, service: byHost.get(node.host) ?? null }));
  }

  findNode(id: number): Promise<ComputeNodeEntity | null> {
    return this.nodes.findOne({ where: { id } });
  }

  findNodeByHost(host: string): Promise<ComputeNodeEntity | null> {
    return this.nodes.findOne({ where: { host } });
  }

  /**
   * Takes `a` from the node if it still fits its capacity times the allocation ratios, in one
   * conditional UPDATE: concurrent claims on one node queue on its row and never oversubscribe it.
   * Whether it was taken.
   */
  async claim(host: string, a: ClaimAmount, ratios: AllocationRatios, reservedMemoryMb: number, aliveSince: Date): Promise<boolean> {
    // the host's nova-compute service must still be enabled and seen since `aliveSince`: a scheduler
    // choosing from remembered host states never places on a host disabled or dead meanwhile
    const res = (await this.ds.query(
      `UPDATE compute_node SET vcpus_used = vcpus_used + ?, memory_mb_used = memory_mb_used + ?, local_gb_used = local_gb_used + ?
       WHERE host = ? AND vcpus_used + ? <= vcpus * ? AND memory_mb_used + ? <= (memory_mb - ?) * ? AND local_gb_used + ? <= local_gb * ?
         AND EXISTS (SELECT 1 FROM compute_service s WHERE s.host = compute_node.host AND s.\`binary\` = 'nova-compute' AND s.disabled = 0 AND s.forced_down = 0 AND s.last_seen_up >= ?)`,
      [a.vcpus, a.memoryMb, a.diskGb, host, a.vcpus, ratios.cpu, a.memoryMb, reservedMemoryMb, ratios.ram, a.diskGb, ratios.disk, aliveSince],
    )) as { affectedRows: number };
    return res.affectedRows === 1;
  }

  /** Gives a claim back (a claim that did not become an instance's). */
  async unclaim(host: string, a: ClaimAmount): Promise<void> {
    await this.ds.query(
      'UPDATE compute_node SET vcpus_used = GREATEST(vcpus_used - ?, 0), memory_mb_used = GREATEST(memory_mb_used - ?, 0), local_gb_used = GREATEST(local_gb_used - ?, 0) WHERE host = ?',
      [a.vcpus, a.memoryMb, a.diskGb, host],
    );
  }

  listServices(filter: { host?: string; binary?: string } = {}): Promise<ComputeServiceEntity[]> {
    return this.services.find({ where: { ...(filter.host !== undefined ? { host: filter.host } : {}), ...(filter.binary !== undefined ? { binary: filter.binary } : {}) }, order: { id: 'ASC' } });
  }

  /** Disables or enables a service; the service after, or null when there is none. */
  async setDisabled(host: string, binary: string, disabled: boolean, reason: string | null): Promise<ComputeServiceEntity | null> {
    await this.services.update({ host, binary }, { disabled, disabledReason: disabled ? reason : null });
    return this.services.findOne({ where: { host, binary } });
  }
}
