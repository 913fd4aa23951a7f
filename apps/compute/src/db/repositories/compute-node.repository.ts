import { DataSource, Repository } from 'typeorm';
import type { HostReport } from '../../rpc';
import { ComputeNodeEntity, ComputeServiceEntity } from '../entities/compute-node.entity';
import { retryOnDeadlock } from './db-errors';
import { EntityRows } from './entity-rows';

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

/** One instance to be placed on a host: what it takes and what the instance row gets. */
export interface PlacementClaim {
  instanceUuid: string;
  host: string;
  node: string;
  availabilityZone: string;
  amount: ClaimAmount;
}

/** A node as the claim transaction found it (locked): capacity, claims after the transaction, up and enabled. */
export interface ClaimedNode {
  host: string;
  vcpus: number;
  vcpusUsed: number;
  memoryMb: number;
  memoryMbUsed: number;
  localGb: number;
  localGbUsed: number;
  available: boolean;
}

export interface PlacementOutcome {
  /** claimed on their host, the instance's host set */
  placed: PlacementClaim[];
  /** refused: the host had no room left (or was disabled or dead meanwhile) */
  lost: PlacementClaim[];
  /** the instance is no longer waiting to be placed (deleted, reset, placed by another): nothing claimed */
  gone: PlacementClaim[];
  /** every node of the claims, as locked and after */
  nodes: Map<string, ClaimedNode>;
}

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** Compute nodes (agents' reports and the scheduler's claims) and services (os-services, liveness). */
export class ComputeNodeRepository {
  readonly nodes: Repository<ComputeNodeEntity>;
  readonly services: Repository<ComputeServiceEntity>;

  private readonly nodeRows: EntityRows<ComputeNodeEntity>;
  private readonly serviceRows: EntityRows<ComputeServiceEntity>;

  constructor(private readonly ds: DataSource) {
    this.nodeRows = new EntityRows(ds, ComputeNodeEntity);
    this.serviceRows = new EntityRows(ds, ComputeServiceEntity);
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
    // plain SQL: the scheduler reads every host every second
    const [nodes, services] = (await Promise.all([this.ds.query('SELECT * FROM compute_node ORDER BY host'), this.ds.query("SELECT * FROM compute_service WHERE `binary` = 'nova-compute'")])) as Array<Array<Record<string, unknown>>>;
    const byHost = new Map(services.map((r) => this.serviceRows.fromRow(r)).map((sv) => [sv.host, sv]));
    return nodes.map((r) => this.nodeRows.fromRow(r)).map((node) => ({ node, service: byHost.get(node.host) ?? null }));
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

  /**
   * Places many instances at once, in one transaction of four statements whatever their number:
   * the instances still waiting (building, scheduling, no host) are locked, then their nodes
   * (`SELECT … FOR UPDATE`: concurrent schedulers queue on the rows, in the unique index's order),
   * the claims that still fit each node's capacity × ratio (and whose node is enabled and was seen
   * since `aliveSince`) are taken in the order given, the nodes' usage raised and the instances'
   * host set (`claimed` = 1) by one UPDATE each. Nothing is claimed for an instance that is gone,
   * and a node is never taken over its capacity, whatever other schedulers do meanwhile.
   */
  async claimForInstances(claims: PlacementClaim[], ratios: AllocationRatios, reservedMemoryMb: number, aliveSince: Date, now: Date): Promise<PlacementOutcome> {
    if (!claims.length) return { placed: [], lost: [], gone: [], nodes: new Map() };
    return retryOnDeadlock(() =>
      this.ds.transaction(async (m) => {
        const uuids = claims.map((c) => c.instanceUuid);
        const waiting = (await m.query(
          `SELECT id, uuid FROM instance WHERE uuid IN (${marks(uuids.length)}) AND deleted = 0 AND vm_state = 'building' AND task_state = 'scheduling' AND host IS NULL ORDER BY id FOR UPDATE`,
          uuids,
        )) as Array<{ id: number; uuid: string }>;
        const idOf = new Map(waiting.map((r) => [r.uuid, Number(r.id)]));
        const gone = claims.filter((c) => !idOf.has(c.instanceUuid));
        const live = claims.filter((c) => idOf.has(c.instanceUuid));
        const hosts = [...new Set(live.map((c) => c.host))].sort();
        const nodes = new Map<string, ClaimedNode>();
        if (!hosts.length) return { placed: [], lost: [], gone, nodes };
        const rows = (await m.query(
          `SELECT n.host, n.vcpus, n.vcpus_used, n.memory_mb, n.memory_mb_used, n.local_gb, n.local_gb_used,
             EXISTS (SELECT 1 FROM compute_service s WHERE s.host = n.host AND s.\`binary\` = 'nova-compute' AND s.disabled = 0 AND s.forced_down = 0 AND s.last_seen_up >= ?) AS available
           FROM compute_node n WHERE n.host IN (${marks(hosts.length)}) ORDER BY n.host FOR UPDATE`,
          [aliveSince, ...hosts],
        )) as Array<Record<string, number | string>>;
        for (const r of rows) {
          nodes.set(String(r.host), {
            host: String(r.host),
            vcpus: Number(r.vcpus),
            vcpusUsed: Number(r.vcpus_used),
            memoryMb: Number(r.memory_mb),
            memoryMbUsed: Number(r.memory_mb_used),
            localGb: Number(r.local_gb),
            localGbUsed: Number(r.local_gb_used),
            available: Number(r.available) === 1,
          });
        }
        const placed: PlacementClaim[] = [];
        const lost: PlacementClaim[] = [];
        const taken = new Map<string, ClaimAmount>();
        for (const c of live) {
          const n = nodes.get(c.host);
          const a = c.amount;
          const fits =
            !!n &&
            n.available &&
            n.vcpusUsed + a.vcpus <= n.vcpus * ratios.cpu &&
            n.memoryMbUsed + a.memoryMb <= (n.memoryMb - reservedMemoryMb) * ratios.ram &&
            n.localGbUsed + a.diskGb <= n.localGb * ratios.disk;
          if (!fits || !n) {
            lost.push(c);
            continue;
          }
          n.vcpusUsed += a.vcpus;
          n.memoryMbUsed += a.memoryMb;
          n.localGbUsed += a.diskGb;
          const t = taken.get(c.host) ?? { vcpus: 0, memoryMb: 0, diskGb: 0 };
          taken.set(c.host, { vcpus: t.vcpus + a.vcpus, memoryMb: t.memoryMb + a.memoryMb, diskGb: t.diskGb + a.diskGb });
          placed.push(c);
        }
        if (!placed.length) return { placed, lost, gone, nodes };
        const byHost = [...taken];
        const sum = (col: string) => `${col} = ${col} + CASE host ${byHost.map(() => 'WHEN ? THEN ?').join(' ')} ELSE 0 END`;
        await m.query(`UPDATE compute_node SET ${sum('vcpus_used')}, ${sum('memory_mb_used')}, ${sum('local_gb_used')} WHERE host IN (${marks(byHost.length)})`, [
          ...byHost.flatMap(([h, t]) => [h, t.vcpus]),
          ...byHost.flatMap(([h, t]) => [h, t.memoryMb]),
          ...byHost.flatMap(([h, t]) => [h, t.diskGb]),
          ...byHost.map(([h]) => h),
        ]);
        const set = (col: string, v: (c: PlacementClaim) => string) => ({ sql: `${col} = CASE id ${placed.map(() => 'WHEN ? THEN ?').join(' ')} END`, params: placed.flatMap((c) => [idOf.get(c.instanceUuid), v(c)]) });
        const cols = [set('host', (c) => c.host), set('node', (c) => c.node), set('availability_zone', (c) => c.availabilityZone)];
        await m.query(`UPDATE instance SET ${cols.map((c) => c.sql).join(', ')}, claimed = 1, updated_at = ? WHERE id IN (${marks(placed.length)})`, [
          ...cols.flatMap((c) => c.params),
          now,
          ...placed.map((c) => idOf.get(c.instanceUuid)),
        ]);
        return { placed, lost, gone, nodes };
      }),
    );
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
