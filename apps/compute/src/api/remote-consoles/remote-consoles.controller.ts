import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { NotFound } from '@kumo/common';
import { RemoteConsolesService } from '../../services/remote-consoles.service';
import { ApiVersion, RequestVersion } from '../microversion';
import { parseRemoteConsole } from './remote-consoles.schema';

/**
 * `POST /v2.1/servers/{id}/remote-consoles` (microversion 2.6+; below it Nova has no such route
 * and answers 404, and clients use the os-getSerialConsole action): a serial console's ws:// URL
 * with a one-time token. 200 `{"remote_console": {"protocol", "type", "url"}}`.
 */
@Controller('v2.1/servers/:id/remote-consoles')
export class RemoteConsolesController {
  constructor(private readonly consoles: RemoteConsolesService) {}

  @Post()
  @HttpCode(200)
  async create(
    @Auth() auth: AuthContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @RequestVersion() version: ApiVersion,
  ): Promise<unknown> {
    if (!version.atLeast('2.6')) throw new NotFound('The resource could not be found.');
    const { protocol, type } = parseRemoteConsole(body);
    const url = await this.consoles.create(auth, id, protocol, type);
    return { remote_console: { protocol, type, url } };
  }
}
