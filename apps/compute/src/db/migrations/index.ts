import { ComputeInitial1765300000000 } from './1765300000000-initial';

/** Every compute migration, in order. */
export const COMPUTE_MIGRATIONS = [ComputeInitial1765300000000];
