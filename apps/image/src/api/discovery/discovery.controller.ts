import { Controller, Get, HttpCode, Inject } from '@nestjs/common';
import { joinUrl, Public } from '@kumo/common';
import { Auth, AuthContext } from '@kumo/auth';
import { IMAGE_CONFIG, ImageConfig } from '../../config';
import { ImageStore } from '../../drivers/image-store';

/** Version discovery (`/` 300, `/versions` 200) and `/v2/info/*`. */
@Controller()
export class DiscoveryController {
  constructor(
    @Inject(IMAGE_CONFIG) private readonly config: ImageConfig,
    private readonly store: ImageStore,
  ) {}

  private versions(): unknown {
    const href = joinUrl(this.config.image.public_url, 'v2/');
    const entry = (id: string, status: string) => ({ id, status, links: [{ rel: 'self', href }] });
    return { versions: [entry('v2.16', 'CURRENT'), ...['v2.15', 'v2.9', 'v2.7', 'v2.6', 'v2.5', 'v2.4', 'v2.3', 'v2.2', 'v2.1', 'v2.0'].map((v) => entry(v, 'SUPPORTED'))] };
  }

  @Get()
  @Public()
  @HttpCode(300)
  root(): unknown {
    return this.versions();
  }

  @Get('versions')
  @Public()
  list(): unknown {
    return this.versions();
  }

  /** No interoperable import methods: images are uploaded with PUT /file. */
  @Get('v2/info/import')
  importInfo(@Auth() _auth: AuthContext): unknown {
    return { 'import-methods': { description: 'Import methods available.', type: 'array', value: [] } };
  }

  @Get('v2/info/stores')
  stores(@Auth() _auth: AuthContext): unknown {
    return { stores: [{ id: this.store.name, description: this.store.description, default: true }] };
  }
}
