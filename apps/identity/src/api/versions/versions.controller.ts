import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { joinUrl, Public, versionEntry } from '@kumo/common';
import { IDENTITY_CONFIG, IdentityConfig } from '../../config';

/** Version discovery (API-SURFACE.md §1.4): `/` answers 300 with every version, `/v3` 200 with one. */
@Controller()
@Public()
export class VersionsController {
  constructor(@Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig) {}

  private v3(): Record<string, unknown> {
    return versionEntry({
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      href: joinUrl(this.config.identity.public_url, 'v3/'),
      mediaType: 'application/vnd.openstack.identity-v3+json',
    });
  }

  @Get()
  @HttpCode(300)
  versions(): unknown {
    return { versions: { values: [this.v3()] } };
  }

  @Get('v3')
  version(): unknown {
    return { version: this.v3() };
  }
}
