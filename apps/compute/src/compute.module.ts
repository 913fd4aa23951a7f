import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule, TokenValidator } from '@kumo/auth';
import { HealthController } from '@kumo/common';
import type { DataSource } from 'typeorm';
import { ExtraSpecsController } from './api/extra-specs/extra-specs.controller';
import { FlavorAccessController } from './api/flavor-access/flavor-access.controller';
import { FlavorsController } from './api/flavors/flavors.controller';
import { KeypairsController } from './api/keypairs/keypairs.controller';
import { LimitsController } from './api/limits/limits.controller';
import { ComputeLinks } from './views/links';
import { QuotaSetsController } from './api/quota-sets/quota-sets.controller';
import { VersionsController } from './api/versions/versions.controller';
import { ProjectDirectory } from './clients/identity-projects';
import { COMPUTE_CONFIG, ComputeConfig } from './config';
import { COMPUTE_DATA_SOURCE, FlavorRepository } from './db/repositories/flavor.repository';
import { KeyPairRepository } from './db/repositories/key-pair.repository';
import { QuotaRepository } from './db/repositories/quota.repository';
import { COMPUTE_POLICIES, ComputePolicy } from './services/compute-policy';
import { FlavorAccessService } from './services/flavor-access.service';
import { FlavorExtraSpecsService } from './services/flavor-extra-specs.service';
import { FlavorsService } from './services/flavors.service';
import { KeypairsService } from './services/keypairs.service';
import { QuotasService } from './services/quotas.service';
import { SERVER_CONTROLLERS, serverProviders, ServersModuleOptions } from './servers.providers';
import { CONSOLE_CONTROLLERS, consoleProviders } from './consoles.providers';

export interface ComputeModuleOptions extends ServersModuleOptions {
  config: ComputeConfig;
  dataSource: DataSource;
  validator: TokenValidator;
  /** Who checks project ids (identity's API; tests give an in-memory one). */
  projects: ProjectDirectory;
}

/** The compute API: Nova v2.1 on :8774 (flavors, key pairs, quotas and limits so far). */
@Module({})
export class ComputeModule {
  static register(opts: ComputeModuleOptions): DynamicModule {
    const repo = <T>(cls: new (ds: DataSource) => T) => ({ provide: cls, useFactory: (ds: DataSource) => new cls(ds), inject: [COMPUTE_DATA_SOURCE] });
    return {
      module: ComputeModule,
      imports: [AuthModule.forRoot({ validator: { provide: TokenValidator, useValue: opts.validator }, policies: COMPUTE_POLICIES, identityUri: opts.config.compute.identity_public_url })],
      providers: [
        { provide: COMPUTE_CONFIG, useValue: opts.config },
        { provide: COMPUTE_DATA_SOURCE, useValue: opts.dataSource },
        { provide: ComputeLinks, useValue: new ComputeLinks(opts.config.compute.public_url) },
        { provide: ProjectDirectory, useValue: opts.projects },
        repo(FlavorRepository),
        repo(KeyPairRepository),
        repo(QuotaRepository),
        ComputePolicy,
        FlavorsService,
        FlavorExtraSpecsService,
        FlavorAccessService,
        KeypairsService,
        QuotasService,
        ...serverProviders(opts),
        ...consoleProviders(opts.config.compute_console),
      ],
      controllers: [HealthController, VersionsController, FlavorsController, FlavorAccessController, ExtraSpecsController, KeypairsController, LimitsController, QuotaSetsController,
        ...SERVER_CONTROLLERS,
        ...CONSOLE_CONTROLLERS,
      ],
    };
  }
}
