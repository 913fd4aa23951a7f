import { DynamicModule, Module, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard, IDENTITY_URI } from './auth.guard';
import { PolicyEnforcer, PolicyRules } from './policy';
import { TokenValidator } from './token-validator';

export interface AuthModuleOptions {
  /** How tokens are validated: a TokenValidator instance or a provider (e.g. useClass/useExisting). */
  validator: Provider;
  /** The service's policy rules. */
  policies: PolicyRules;
  /** Identity's public URL for WWW-Authenticate. */
  identityUri?: string;
}

/** Installs the AuthGuard globally and provides the PolicyEnforcer for a service. */
@Module({})
export class AuthModule {
  static forRoot(opts: AuthModuleOptions): DynamicModule {
    return {
      module: AuthModule,
      global: true,
      providers: [
        opts.validator,
        { provide: IDENTITY_URI, useValue: opts.identityUri },
        { provide: PolicyEnforcer, useValue: new PolicyEnforcer(opts.policies) },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [TokenValidator, PolicyEnforcer, IDENTITY_URI],
    };
  }
}
