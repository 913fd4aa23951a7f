import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A flavor (Nova's flavors table in the API database). `id` is internal; clients see `flavorid`. */
@Entity('flavor')
export class FlavorEntity {
  @PrimaryGeneratedColumn({ type: 'int' }) id!: number;
  @Column({ type: 'varchar', length: 255 }) flavorid!: string;
  @Column({ type: 'varchar', length: 255 }) name!: string;
  @Column({ type: 'int' }) memoryMb!: number;
  @Column({ type: 'int' }) vcpus!: number;
  @Column({ type: 'int' }) rootGb!: number;
  @Column({ type: 'int' }) ephemeralGb!: number;
  /** MiB; 0 = none (shown as "" at 2.1). */
  @Column({ type: 'int' }) swap!: number;
  @Column({ type: 'float' }) rxtxFactor!: number;
  @Column({ type: 'int', nullable: true }) vcpuWeight!: number | null;
  @Column({ type: 'boolean' }) isPublic!: boolean;
  @Column({ type: 'boolean' }) disabled!: boolean;
  /** Shown from microversion 2.55. */
  @Column({ type: 'text', nullable: true }) description!: string | null;
  @CreateDateColumn({ type: 'datetime', precision: 6 }) createdAt!: Date;
  @UpdateDateColumn({ type: 'datetime', precision: 6 }) updatedAt!: Date;
}
