import { FlavorExtraSpecEntity } from './flavor-extra-spec.entity';
import { FlavorProjectEntity } from './flavor-project.entity';
import { FlavorEntity } from './flavor.entity';
import { KeyPairEntity } from './key-pair.entity';
import { QuotaUsageEntity } from './quota-usage.entity';
import { QuotaEntity } from './quota.entity';
import { ComputeNodeEntity, ComputeServiceEntity } from './compute-node.entity';
import { InstanceActionEntity, InstanceActionEventEntity } from './instance-action.entity';
import { InstanceEntity, InstanceFaultEntity, InstanceMetadataEntity } from './instance.entity';
import { ConsoleAuthTokenEntity } from './console-auth-token.entity';

export * from './flavor.entity';
export * from './flavor-extra-spec.entity';
export * from './flavor-project.entity';
export * from './key-pair.entity';
export * from './quota.entity';
export * from './quota-usage.entity';
export * from './instance.entity';
export * from './instance-action.entity';
export * from './compute-node.entity';
export * from './console-auth-token.entity';

export const COMPUTE_ENTITIES = [FlavorEntity, FlavorExtraSpecEntity, FlavorProjectEntity, KeyPairEntity, QuotaEntity, QuotaUsageEntity,
  InstanceEntity, InstanceMetadataEntity, InstanceFaultEntity, InstanceActionEntity, InstanceActionEventEntity, ComputeNodeEntity, ComputeServiceEntity,
  ConsoleAuthTokenEntity,
];
