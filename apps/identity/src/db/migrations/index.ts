import { Initial1764000000000 } from './1764000000000-initial';
import { ProjectExtra1764100000000 } from './1764100000000-project-extra';
import { AppCredExpiryMicros1764200000000 } from './1764200000000-appcred-expiry-micros';
import { ImpliedRoles1764300000000 } from './1764300000000-implied-roles';
import { UserLockout1764400000000 } from './1764400000000-user-lockout';

/** Every identity migration, in order. */
export const IDENTITY_MIGRATIONS = [Initial1764000000000, ProjectExtra1764100000000, AppCredExpiryMicros1764200000000, ImpliedRoles1764300000000, UserLockout1764400000000];
