import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { TaskState as TaskStateValue, VmState as VmStateValue } from '../../rpc/instance-spec';

type PowerStateValue = 0 | 1 | 3 | 4 | 6 | 7;

/** What the API read of the image with the user's token, for the scheduler (filters) and the agent (spec). */
export interface InstanceRequestSpec {
  image: {
    id: string;
    name: string | null;
    diskFormat: string | null;
    containerFormat: string | null;
    size: number | null;
    checksum: string | null;
    osHashAlgo: string | null;
    osHashValue: string | null;
    minDisk: number;
    minRam: number;
    properties: Record<string, string>;
  };
  flavorExtraSpecs: Record<string, string>;
  keyType: string | null;
}

/** The flavor as the server was booted with it (Nova embeds a copy: a flavor changed later does not change its servers). */
export interface InstanceFlavor {
  id: string;
  name: string;
  vcpus: number;
  memoryMb: number;
  rootGb: number;
  ephemeralGb: number;
  swapMb: number;
}

/** A server (Nova's instances table). `id` is internal; clients see `uuid`. Deleted rows stay (soft delete) for changes-since. */
@Entity('instance')
export class InstanceEntity {
  @PrimaryGeneratedColumn({ type: 'int' }) id!: number;
  @Column({ type: 'char', length: 36 }) uuid!: string;
  @Column({ type: 'varchar', length: 255 }) projectId!: string;
  @Column({ type: 'varchar', length: 255 }) userId!: string;
  @Column({ type: 'varchar', length: 255 }) name!: string;
  @Column({ type: 'varchar', length: 255 }) hostname!: string;
  @Column({ type: 'varchar', length: 255 }) reservationId!: string;
  @Column({ type: 'int' }) launchIndex!: number;
  @Column({ type: 'varchar', length: 255 }) vmState!: VmStateValue;
  @Column({ type: 'varchar', length: 255, nullable: true }) taskState!: TaskStateValue | null;
  @Column({ type: 'int' }) powerState!: PowerStateValue;
  @Column({ type: 'int' }) progress!: number;
  @Column({ type: 'varchar', length: 255, nullable: true }) host!: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) node!: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) availabilityZone!: string | null;
  @Column({ type: 'boolean' }) claimed!: boolean;
  @Column({ type: 'varchar', length: 255 }) imageRef!: string;
  @Column({ type: 'varchar', length: 255 }) flavorid!: string;
  @Column({ type: 'int' }) vcpus!: number;
  @Column({ type: 'int' }) memoryMb!: number;
  @Column({ type: 'int' }) rootGb!: number;
  @Column({ type: 'int' }) ephemeralGb!: number;
  @Column({ type: 'int' }) swapMb!: number;
  @Column({ type: 'simple-json' }) flavor!: InstanceFlavor;
  @Column({ type: 'varchar', length: 255, nullable: true }) keyName!: string | null;
  @Column({ type: 'mediumtext', nullable: true }) keyData!: string | null;
  @Column({ type: 'mediumtext', nullable: true }) userData!: string | null;
  @Column({ type: 'boolean' }) configDrive!: boolean;
  @Column({ type: 'varchar', length: 16 }) diskConfig!: string;
  @Column({ type: 'varchar', length: 39, nullable: true }) accessIpV4!: string | null;
  @Column({ type: 'varchar', length: 39, nullable: true }) accessIpV6!: string | null;
  /** 'none' | 'auto' | [{networkId|portId|fixedIp}] as the request asked (the network issue binds them). */
  @Column({ type: 'simple-json' }) networks!: 'none' | 'auto' | Array<{ networkId?: string; portId?: string; fixedIp?: string }>;
  @Column({ type: 'simple-json' }) securityGroups!: string[];
  @Column({ type: 'simple-json' }) requestSpec!: InstanceRequestSpec;
  @Column({ type: 'datetime', precision: 6, nullable: true }) launchedAt!: Date | null;
  @Column({ type: 'datetime', precision: 6, nullable: true }) terminatedAt!: Date | null;
  @CreateDateColumn({ type: 'datetime', precision: 6 }) createdAt!: Date;
  @UpdateDateColumn({ type: 'datetime', precision: 6 }) updatedAt!: Date;
  @Column({ type: 'datetime', precision: 6, nullable: true }) deletedAt!: Date | null;
  @Column({ type: 'boolean' }) deleted!: boolean;
}

@Entity('instance_metadata')
export class InstanceMetadataEntity {
  @PrimaryColumn({ type: 'int' }) instanceId!: number;
  @PrimaryColumn({ type: 'varchar', length: 255 }) key!: string;
  @Column({ type: 'varchar', length: 255 }) value!: string;
}

/** Why a server went to ERROR (the latest is its `fault`). */
@Entity('instance_fault')
export class InstanceFaultEntity {
  @PrimaryGeneratedColumn({ type: 'int' }) id!: number;
  @Column({ type: 'char', length: 36 }) instanceUuid!: string;
  @Column({ type: 'int' }) code!: number;
  @Column({ type: 'varchar', length: 255 }) message!: string;
  @Column({ type: 'mediumtext' }) details!: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) host!: string | null;
  @CreateDateColumn({ type: 'datetime', precision: 6 }) createdAt!: Date;
}
