import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JsonMap } from './json';

@Entity('role')
export class RoleEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;
  @Column({ type: 'varchar', length: 255 })
  name!: string;
  /** null for a global role; a domain-specific role only implies other roles (it is never put in a token itself). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  domainId!: string | null;
  @Column({ type: 'text', nullable: true })
  description!: string | null;
  @Column({ type: 'json' })
  options!: JsonMap;
}

/** One implied-role rule: holding the prior role gives the implied one too. */
@Entity('implied_role')
export class ImpliedRoleEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  priorRoleId!: string;
  @PrimaryColumn({ type: 'varchar', length: 64 })
  impliedRoleId!: string;
}

export type ActorType = 'user' | 'group';
export type TargetType = 'project' | 'domain' | 'system';

/** One grant: an actor (user or group) holds a role on a target (project, domain, or the system `all`). */
@Entity('role_assignment')
export class RoleAssignmentEntity {
  @PrimaryColumn({ type: 'varchar', length: 8 })
  actorType!: ActorType;
  @PrimaryColumn({ type: 'varchar', length: 64 })
  actorId!: string;
  @PrimaryColumn({ type: 'varchar', length: 8 })
  targetType!: TargetType;
  @PrimaryColumn({ type: 'varchar', length: 64 })
  targetId!: string;
  @PrimaryColumn({ type: 'varchar', length: 64 })
  roleId!: string;
}
