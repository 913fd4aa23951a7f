import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * A hypervisor host as its agent reports it. Capacity and facts come from the reports; the
 * `*Used` columns are what the scheduler has claimed (flavors of the instances placed here),
 * changed only by conditional updates; `reported*Used` is what the agent measured.
 */
@Entity('compute_node')
export class ComputeNodeEntity {
  @PrimaryGeneratedColumn({ type: 'int' }) id!: number;
  @Column({ type: 'varchar', length: 255 }) host!: string;
  @Column({ type: 'varchar', length: 255 }) hypervisorHostname!: string;
  @Column({ type: 'varchar', length: 64 }) hostIp!: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) availabilityZone!: string | null;
  @Column({ type: 'varchar', length: 255 }) hypervisorType!: string;
  @Column({ type: 'int' }) hypervisorVersion!: number;
  @Column({ type: 'varchar', length: 16 }) virtType!: string;
  @Column({ type: 'text' }) virtTypeReason!: string;
  @Column({ type: 'mediumtext' }) cpuInfo!: string;
  @Column({ type: 'int' }) vcpus!: number;
  @Column({ type: 'int' }) memoryMb!: number;
  @Column({ type: 'int' }) localGb!: number;
  @Column({ type: 'int' }) vcpusUsed!: number;
  @Column({ type: 'int' }) memoryMbUsed!: number;
  @Column({ type: 'int' }) localGbUsed!: number;
  @Column({ type: 'int' }) reportedVcpusUsed!: number;
  @Column({ type: 'int' }) reportedMemoryMbUsed!: number;
  @Column({ type: 'int' }) reportedLocalGbUsed!: number;
  @Column({ type: 'double' }) freeDiskGb!: number;
  @Column({ type: 'int' }) runningVms!: number;
  @Column({ type: 'varchar', length: 64 }) agentVersion!: string;
  @CreateDateColumn({ type: 'datetime', precision: 6 }) createdAt!: Date;
  @UpdateDateColumn({ type: 'datetime', precision: 6 }) updatedAt!: Date;
}

/** A service process (os-services): `nova-compute` per agent host, `nova-scheduler`/`nova-conductor` per scheduler process. */
@Entity('compute_service')
export class ComputeServiceEntity {
  @PrimaryGeneratedColumn({ type: 'int' }) id!: number;
  @Column({ type: 'varchar', length: 255 }) host!: string;
  @Column({ type: 'varchar', length: 255 }) binary!: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) topic!: string | null;
  @Column({ type: 'boolean' }) disabled!: boolean;
  @Column({ type: 'varchar', length: 255, nullable: true }) disabledReason!: string | null;
  @Column({ type: 'boolean' }) forcedDown!: boolean;
  @Column({ type: 'int' }) reportCount!: number;
  @Column({ type: 'datetime', precision: 6, nullable: true }) lastSeenUp!: Date | null;
  @CreateDateColumn({ type: 'datetime', precision: 6 }) createdAt!: Date;
  @UpdateDateColumn({ type: 'datetime', precision: 6 }) updatedAt!: Date;
}

