import { ComputeInitial1765300000000 } from './1765300000000-initial';
import { ComputeServers1765400000000 } from './1765400000000-servers';
import { ComputeConsoleAuthTokens1765500000000 } from './1765500000000-console-auth-tokens';

/** Every compute migration, in order. */
export const COMPUTE_MIGRATIONS = [ComputeInitial1765300000000,
  ComputeServers1765400000000,
  ComputeConsoleAuthTokens1765500000000,
];
