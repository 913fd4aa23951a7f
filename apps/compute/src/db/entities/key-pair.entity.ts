import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Nova's key pair types: `ssh` (all Kumo makes and imports so far) and `x509` (microversion 2.2). */
export type KeyPairType = 'ssh' | 'x509';

/** A user's key pair (Nova's key_pairs): unique by (user_id, name); `id` is the integer Nova shows at GET. */
@Entity('key_pair')
export class KeyPairEntity {
  @PrimaryGeneratedColumn({ type: 'int' }) id!: number;
  @Column({ type: 'varchar', length: 255 }) userId!: string;
  @Column({ type: 'varchar', length: 255 }) name!: string;
  @Column({ type: 'varchar', length: 255 }) fingerprint!: string;
  @Column({ type: 'mediumtext' }) publicKey!: string;
  @Column({ type: 'varchar', length: 10 }) type!: KeyPairType;
  @CreateDateColumn({ type: 'datetime', precision: 6 }) createdAt!: Date;
  /** Never changed by Kumo (key pairs are immutable); kept for Nova's `updated_at`. */
  @Column({ type: 'datetime', precision: 6, nullable: true, insert: false, update: false }) updatedAt!: Date | null;
}
