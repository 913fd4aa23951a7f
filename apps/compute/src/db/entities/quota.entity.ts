import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A quota limit set by an admin (Nova's quotas and project_user_quotas in one table): the
 * project's when `userId` is '', else that user's within the project. Resources without a row
 * take the configured default (`compute.quota`).
 */
@Entity('quota')
export class QuotaEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 }) projectId!: string;
  @PrimaryColumn({ type: 'varchar', length: 255 }) userId!: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) resource!: string;
  @Column({ type: 'int' }) hardLimit!: number;
}
