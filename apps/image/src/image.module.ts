import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule, TokenValidator } from '@kumo/auth';
import { HealthController } from '@kumo/common';
import type { DataSource } from 'typeorm';
import { DiscoveryController } from './api/discovery/discovery.controller';
import { ImagesController } from './api/images/images.controller';
import { MembersController } from './api/members/members.controller';
import { SchemasController } from './api/schemas/schemas.controller';
import { IMAGE_CONFIG, ImageConfig } from './config';
import { ImageMembersService } from './services/image-members.service';
import { IMAGE_DATA_SOURCE, ImageRepository } from './db/repositories/image.repository';
import { ImageMemberRepository } from './db/repositories/image-member.repository';
import { ImagesService } from './services/images.service';
import { ImageStore } from './drivers/image-store';

export interface ImageModuleOptions {
  config: ImageConfig;
  dataSource: DataSource;
  store: ImageStore;
  validator: TokenValidator;
}

/** The image API: Glance v2 on :9292. Policy lives in ImagesService (Glance's owner/admin/member rules). */
@Module({})
export class ImageModule {
  static register(opts: ImageModuleOptions): DynamicModule {
    return {
      module: ImageModule,
      imports: [AuthModule.forRoot({ validator: { provide: TokenValidator, useValue: opts.validator }, policies: {}, identityUri: opts.config.image.identity_public_url })],
      providers: [
        { provide: IMAGE_CONFIG, useValue: opts.config },
        { provide: IMAGE_DATA_SOURCE, useValue: opts.dataSource },
        { provide: ImageRepository, useFactory: (ds: DataSource) => new ImageRepository(ds), inject: [IMAGE_DATA_SOURCE] },
        { provide: ImageMemberRepository, useFactory: (ds: DataSource) => new ImageMemberRepository(ds), inject: [IMAGE_DATA_SOURCE] },
        { provide: ImageStore, useValue: opts.store },
        ImagesService,
        ImageMembersService,
      ],
      controllers: [HealthController, DiscoveryController, SchemasController, ImagesController, MembersController],
    };
  }
}
