import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

const bigint = { to: (v?: number | null) => v, from: (v?: string | null) => (v === null || v === undefined ? null : Number(v)) };

/** Glance's image statuses Kumo uses (its lifecycle: services/images.service.ts). */
export type ImageStatus = 'queued' | 'saving' | 'active' | 'deactivated' | 'deleted';

/** An image (Glance's images table; properties kept as JSON). */
@Entity('image')
export class ImageEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) name!: string | null;
  @Column({ type: 'varchar', length: 20 }) status!: ImageStatus;
  @Column({ type: 'varchar', length: 20 }) visibility!: string;
  @Column({ type: 'boolean', default: false }) protected!: boolean;
  @Column({ type: 'boolean', default: false }) osHidden!: boolean;
  @Column({ type: 'varchar', length: 32, nullable: true }) checksum!: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) osHashAlgo!: string | null;
  @Column({ type: 'varchar', length: 128, nullable: true }) osHashValue!: string | null;
  @Column({ type: 'bigint', nullable: true, transformer: bigint }) size!: number | null;
  @Column({ type: 'bigint', nullable: true, transformer: bigint }) virtualSize!: number | null;
  @Column({ type: 'int', default: 0 }) minDisk!: number;
  @Column({ type: 'int', default: 0 }) minRam!: number;
  @Column({ type: 'varchar', length: 32, nullable: true }) diskFormat!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) containerFormat!: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) owner!: string | null;
  @Column({ type: 'json' }) properties!: Record<string, string>;
  /** Where the data is (`file://...` or `object://container/name`); never shown to users. */
  @Column({ type: 'varchar', length: 1024, nullable: true }) location!: string | null;
  @CreateDateColumn({ type: 'datetime', precision: 6 }) createdAt!: Date;
  @UpdateDateColumn({ type: 'datetime', precision: 6 }) updatedAt!: Date;
  @Column({ type: 'datetime', precision: 6, nullable: true }) deletedAt!: Date | null;
}
