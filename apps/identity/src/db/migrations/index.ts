import { Initial1764000000000 } from './1764000000000-initial';
import { ProjectExtra1764100000000 } from './1764100000000-project-extra';

/** Every identity migration, in order. */
export const IDENTITY_MIGRATIONS = [Initial1764000000000, ProjectExtra1764100000000];
