import { Inject, Injectable } from '@nestjs/common';
import { BadRequest, currentContext } from '@kumo/common';
import type { AuthContext } from '@kumo/auth';
import { ConsoleAuthTokenRepository } from '../db/repositories/console-auth-token.repository';
import type { ConsoleSettings } from '../console/console.config';
import { ComputePolicy } from './compute-policy';
import { REMOTE_CONSOLES_POLICY } from './console-policies';
import { consoleUrl, hashConsoleToken, newConsoleToken } from './console-tokens';
import { InstanceNotReady } from './server-errors';
import { InstanceInvalidState } from './server-states';
import { ServersService } from './servers.service';

/** The console section, as a DI token (the API's config.compute_console). */
export const CONSOLE_SETTINGS = Symbol('CONSOLE_SETTINGS');

/** Nova's ConsoleTypeUnavailable: a console kind this cloud does not offer (VNC, SPICE, RDP, MKS). */
export class ConsoleTypeUnavailable extends BadRequest {
  constructor(type: string) {
    super(`Unavailable console type ${type}.`);
  }
}
/** Nova's ConsoleTypeInvalid: a type that does not go with the protocol. */
export class ConsoleTypeInvalid extends BadRequest {
  constructor(type: string) {
    super(`Invalid console type ${type}`);
  }
}

/**
 * Serial console URLs (POST /servers/{id}/remote-consoles, the os-getSerialConsole action): a
 * one-time token, good for `console_token_ttl` seconds, for the console proxy at `base_url`.
 */
@Injectable()
export class RemoteConsolesService {
  constructor(
    private readonly servers: ServersService,
    private readonly tokens: ConsoleAuthTokenRepository,
    private readonly policy: ComputePolicy,
    @Inject(CONSOLE_SETTINGS) private readonly settings: ConsoleSettings,
  ) {}

  /** A console of `protocol`/`type` (Nova's schema has already limited both to its enums). */
  async create(auth: AuthContext, id: string, protocol: string, type: string): Promise<string> {
    const inst = await this.servers.find(auth, id, 'show');
    this.policy.enforce(REMOTE_CONSOLES_POLICY, auth, { project_id: inst.projectId });
    if (protocol !== 'serial') throw new ConsoleTypeUnavailable(protocol === 'rdp' ? protocol : type);
    if (type !== 'serial') throw new ConsoleTypeInvalid(type);
    if (!inst.host) throw new InstanceNotReady(inst.uuid);
    if (inst.vmState !== 'active' || inst.taskState === 'deleting') {
      throw new InstanceInvalidState(
        'get_serial_console',
        inst.uuid,
        inst.vmState !== 'active' ? 'vm_state' : 'task_state',
        inst.vmState !== 'active' ? inst.vmState : inst.taskState,
      );
    }
    const token = newConsoleToken();
    await this.tokens.create(
      {
        tokenHash: hashConsoleToken(token),
        consoleType: 'serial',
        instanceUuid: inst.uuid,
        host: inst.host,
        requestId: currentContext()?.requestId ?? null,
      },
      this.settings.console_token_ttl,
    );
    return consoleUrl(this.settings.base_url, token);
  }
}
