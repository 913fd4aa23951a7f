import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * What a scope uses of a counted resource, changed only in the transaction that creates or
 * deletes what it counts, so that the row is the lock a quota check takes
 * (db/repositories/quota.repository.ts). Scopes: key pairs are a user's (`projectId` ''), instances,
 * cores and ram will be counted per project (`userId` '') and per user within it.
 */
@Entity('quota_usage')
export class QuotaUsageEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 }) projectId!: string;
  @PrimaryColumn({ type: 'varchar', length: 255 }) userId!: string;
  @PrimaryColumn({ type: 'varchar', length: 64 }) resource!: string;
  @Column({ type: 'int' }) inUse!: number;
}
