import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('domain')
export class DomainEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;
  @Column({ type: 'varchar', length: 64 })
  name!: string;
  @Column({ type: 'text', nullable: true })
  description!: string | null;
  @Column({ type: 'boolean', default: true })
  enabled!: boolean;
  @Column({ type: 'json' })
  tags!: string[];
  @CreateDateColumn({ type: 'datetime', precision: 6 })
  createdAt!: Date;
}
