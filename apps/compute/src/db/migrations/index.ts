import { ComputeInitial1765300000000 } from './1765300000000-initial';
import { ComputeServers1765400000000 } from './1765400000000-servers';

/** Every compute migration, in order. */
export const COMPUTE_MIGRATIONS = [ComputeInitial1765300000000,
  ComputeServers1765400000000,
];
