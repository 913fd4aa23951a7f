import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule, TokenValidator } from '@kumo/auth';
import { IDENTITY_CONTROLLERS } from './api/controllers';
import { IdentityCoreModule, IdentityModuleOptions } from './identity.module';
import { IDENTITY_POLICY } from './policy/identity.policy';
import { LocalTokenValidator } from './services/local-token.validator';

/** The identity HTTP API: core services, the guard (validating in-process) and every controller. */
@Module({})
export class IdentityApiModule {
  static register(opts: IdentityModuleOptions): DynamicModule {
    return {
      module: IdentityApiModule,
      imports: [
        IdentityCoreModule.register(opts),
        AuthModule.forRoot({
          validator: { provide: TokenValidator, useClass: LocalTokenValidator },
          policies: IDENTITY_POLICY,
          identityUri: opts.config.identity.public_url,
        }),
      ],
      controllers: IDENTITY_CONTROLLERS,
    };
  }
}
