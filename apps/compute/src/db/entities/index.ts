import { FlavorExtraSpecEntity } from './flavor-extra-spec.entity';
import { FlavorProjectEntity } from './flavor-project.entity';
import { FlavorEntity } from './flavor.entity';
import { KeyPairEntity } from './key-pair.entity';
import { QuotaUsageEntity } from './quota-usage.entity';
import { QuotaEntity } from './quota.entity';

export * from './flavor.entity';
export * from './flavor-extra-spec.entity';
export * from './flavor-project.entity';
export * from './key-pair.entity';
export * from './quota.entity';
export * from './quota-usage.entity';

export const COMPUTE_ENTITIES = [FlavorEntity, FlavorExtraSpecEntity, FlavorProjectEntity, KeyPairEntity, QuotaEntity, QuotaUsageEntity];
