import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('group')
export class GroupEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;
  @Column({ type: 'varchar', length: 64 })
  name!: string;
  @Column({ type: 'varchar', length: 64 })
  domainId!: string;
  @Column({ type: 'text', nullable: true })
  description!: string | null;
}

@Entity('group_membership')
export class GroupMembershipEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  groupId!: string;
  @PrimaryColumn({ type: 'varchar', length: 64 })
  userId!: string;
}
