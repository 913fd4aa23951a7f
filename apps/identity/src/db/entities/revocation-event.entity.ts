import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A revocation: every token issued at or before `issuedBefore` that matches all the non-null
 * fields is invalid. Kept until the longest-lived such token would have expired anyway.
 */
@Entity('revocation_event')
export class RevocationEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;
  @Column({ type: 'varchar', length: 64, nullable: true })
  auditId!: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true })
  userId!: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true })
  projectId!: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true })
  domainId!: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true })
  applicationCredentialId!: string | null;
  @Column({ type: 'datetime', precision: 6 })
  issuedBefore!: Date;
  @Column({ type: 'datetime', precision: 6 })
  expiresAt!: Date;
}
