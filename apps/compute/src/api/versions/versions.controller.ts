import { Controller, Get, Inject } from '@nestjs/common';
import { Public } from '@kumo/common';
import { COMPUTE_CONFIG, ComputeConfig } from '../../config';
import { versionListView, versionView } from './versions.view';

/** Version discovery, without a token: `/` (all versions), `/v2` (the legacy v2.0 document), `/v2.1`. */
@Controller()
@Public()
export class VersionsController {
  constructor(@Inject(COMPUTE_CONFIG) private readonly config: ComputeConfig) {}

  /** Nova answers its root with 200 (its 300 "choices" are for other paths), without microversion headers. */
  @Get()
  root(): unknown {
    return versionListView(this.config.compute.public_url);
  }

  @Get('v2')
  v2(): unknown {
    return versionView(this.config.compute.public_url, 'v2.0');
  }

  @Get('v2.1')
  v21(): unknown {
    return versionView(this.config.compute.public_url, 'v2.1');
  }
}
