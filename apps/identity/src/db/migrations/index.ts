import { Initial1764000000000 } from './1764000000000-initial';

/** Every identity migration, in order. */
export const IDENTITY_MIGRATIONS = [Initial1764000000000];
