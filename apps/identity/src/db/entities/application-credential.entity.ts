import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('application_credential')
export class ApplicationCredentialEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;
  @Column({ type: 'varchar', length: 255 })
  name!: string;
  @Column({ type: 'varchar', length: 64 })
  userId!: string;
  @Column({ type: 'varchar', length: 64 })
  projectId!: string;
  @Column({ type: 'varchar', length: 255 })
  secretHash!: string;
  @Column({ type: 'text', nullable: true })
  description!: string | null;
  @Column({ type: 'datetime', precision: 6, nullable: true })
  expiresAt!: Date | null;
  /** The microseconds within the second of `expiresAt`, as given (null: those of `expiresAt`). */
  @Column({ type: 'int', nullable: true })
  expiresAtMicros!: number | null;
  @Column({ type: 'boolean', default: false })
  unrestricted!: boolean;
  /** Role ids delegated by this credential (a subset of the user's roles on the project at creation). */
  @Column({ type: 'json' })
  roleIds!: string[];
  @CreateDateColumn({ type: 'datetime', precision: 6 })
  createdAt!: Date;
}
