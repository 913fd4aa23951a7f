import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { JsonMap } from './json';

@Entity('project')
export class ProjectEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;
  @Column({ type: 'varchar', length: 64 })
  name!: string;
  @Column({ type: 'varchar', length: 64 })
  domainId!: string;
  /** null for a top-level project (Keystone reports the domain id as parent_id then). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  parentId!: string | null;
  @Column({ type: 'text', nullable: true })
  description!: string | null;
  @Column({ type: 'boolean', default: true })
  enabled!: boolean;
  @Column({ type: 'json' })
  tags!: string[];
  /** Attributes a client sent that are not modelled (Keystone's `extra`, echoed back); null when none. */
  @Column({ type: 'json', nullable: true })
  extra!: JsonMap | null;
  @CreateDateColumn({ type: 'datetime', precision: 6 })
  createdAt!: Date;
}
