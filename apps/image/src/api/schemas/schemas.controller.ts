import { Controller, Get, Inject } from '@nestjs/common';
import { Auth, AuthContext } from '@kumo/auth';
import { IMAGE_CONFIG, ImageConfig } from '../../config';
import { imageSchema, imagesSchema, memberSchema, membersSchema } from './schemas';

/** `/v2/schemas/*`: the JSON schemas clients read (the formats from the configuration). */
@Controller()
export class SchemasController {
  constructor(@Inject(IMAGE_CONFIG) private readonly config: ImageConfig) {}

  @Get('v2/schemas/image')
  image(@Auth() _auth: AuthContext): unknown {
    return imageSchema(this.config.image.disk_formats, this.config.image.container_formats);
  }

  @Get('v2/schemas/images')
  images(@Auth() _auth: AuthContext): unknown {
    return imagesSchema(this.config.image.disk_formats, this.config.image.container_formats);
  }

  @Get('v2/schemas/member')
  member(@Auth() _auth: AuthContext): unknown {
    return memberSchema();
  }

  @Get('v2/schemas/members')
  members(@Auth() _auth: AuthContext): unknown {
    return membersSchema();
  }
}
