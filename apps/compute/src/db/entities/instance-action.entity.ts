import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One API call on a server (os-instance-actions), keyed by its request id. */
@Entity('instance_action')
export class InstanceActionEntity {
  @PrimaryGeneratedColumn({ type: 'int' }) id!: number;
  @Column({ type: 'char', length: 36 }) instanceUuid!: string;
  @Column({ type: 'varchar', length: 255 }) requestId!: string;
  @Column({ type: 'varchar', length: 255 }) action!: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) userId!: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) projectId!: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) message!: string | null;
  @Column({ type: 'datetime', precision: 6 }) startTime!: Date;
  @Column({ type: 'datetime', precision: 6, nullable: true }) finishTime!: Date | null;
}

/** One step of an action (`compute__do_build_and_run_instance`, `conductor_schedule_and_build_instances` ...). */
@Entity('instance_action_event')
export class InstanceActionEventEntity {
  @PrimaryGeneratedColumn({ type: 'int' }) id!: number;
  @Column({ type: 'int' }) actionId!: number;
  @Column({ type: 'varchar', length: 255 }) event!: string;
  @Column({ type: 'datetime', precision: 6, nullable: true }) startTime!: Date | null;
  @Column({ type: 'datetime', precision: 6, nullable: true }) finishTime!: Date | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) result!: string | null;
  @Column({ type: 'mediumtext', nullable: true }) traceback!: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) host!: string | null;
}
