import { ADMIN_OR_PROJECT_MEMBER, type PolicyRules } from '@kumo/auth';

/** Nova's remote_consoles policy (nova/policies/remote_consoles.py): project member or admin. */
export const REMOTE_CONSOLES_POLICY = 'os_compute_api:os-remote-consoles';

/** Nova's default for the console URLs (remote-consoles and the os-getSerialConsole action). */
export const CONSOLE_POLICIES: PolicyRules = { [REMOTE_CONSOLES_POLICY]: ADMIN_OR_PROJECT_MEMBER };
