import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { JsonMap } from './json';

@Entity('user')
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;
  @Column({ type: 'varchar', length: 255 })
  name!: string;
  @Column({ type: 'varchar', length: 64 })
  domainId!: string;
  @Column({ type: 'boolean', default: true })
  enabled!: boolean;
  /** bcrypt hash; null when the user has no password (cannot authenticate with one). Never leaves the service. */
  @Column({ type: 'varchar', length: 255, nullable: true, select: true })
  passwordHash!: string | null;
  /** Failed password checks in a row (Keystone's lockout); null or 0 when none. */
  @Column({ type: 'int', nullable: true })
  failedAuthCount!: number | null;
  @Column({ type: 'datetime', precision: 6, nullable: true })
  failedAuthAt!: Date | null;
  @Column({ type: 'varchar', length: 64, nullable: true })
  defaultProjectId!: string | null;
  @Column({ type: 'text', nullable: true })
  description!: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true })
  email!: string | null;
  @Column({ type: 'json' })
  options!: JsonMap;
  /** Extra attributes Keystone keeps for a user (any key the client sent that we don't model). */
  @Column({ type: 'json' })
  extra!: JsonMap;
  @CreateDateColumn({ type: 'datetime', precision: 6 })
  createdAt!: Date;
}
