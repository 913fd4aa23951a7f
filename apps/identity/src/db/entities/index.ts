import { ApplicationCredentialEntity } from './application-credential.entity';
import { EndpointEntity, RegionEntity, ServiceEntity } from './catalog.entity';
import { DomainEntity } from './domain.entity';
import { GroupEntity, GroupMembershipEntity } from './group.entity';
import { ProjectEntity } from './project.entity';
import { RevocationEventEntity } from './revocation-event.entity';
import { ImpliedRoleEntity, RoleAssignmentEntity, RoleEntity } from './role.entity';
import { UserEntity } from './user.entity';

export * from './application-credential.entity';
export * from './catalog.entity';
export * from './domain.entity';
export * from './group.entity';
export * from './project.entity';
export * from './revocation-event.entity';
export * from './role.entity';
export * from './user.entity';

export const IDENTITY_ENTITIES = [
  DomainEntity,
  ProjectEntity,
  UserEntity,
  GroupEntity,
  GroupMembershipEntity,
  RoleEntity,
  RoleAssignmentEntity,
  ImpliedRoleEntity,
  RegionEntity,
  ServiceEntity,
  EndpointEntity,
  ApplicationCredentialEntity,
  RevocationEventEntity,
];
