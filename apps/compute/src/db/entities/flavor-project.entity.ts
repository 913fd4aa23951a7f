import { CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A project given access to a private flavor (Nova's flavor_projects). */
@Entity('flavor_project')
export class FlavorProjectEntity {
  @PrimaryColumn({ type: 'int' }) flavorId!: number;
  @PrimaryColumn({ type: 'varchar', length: 255 }) projectId!: string;
  @CreateDateColumn({ type: 'datetime', precision: 6 }) createdAt!: Date;
}
