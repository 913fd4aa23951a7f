import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { HealthController } from '@kumo/common';
import type { DataSource } from 'typeorm';
import { IDENTITY_CONFIG, IdentityConfig } from './config';
import { AssignmentRepository } from './db/repositories/assignment.repository';
import { CatalogRepository } from './db/repositories/catalog.repository';
import { CredentialRepository } from './db/repositories/credential.repository';
import { DATA_SOURCE, ResourceRepository } from './db/repositories/resource.repository';
import { AssignmentService } from './services/assignment.service';
import { AuthRateLimiter } from './services/auth-rate-limiter';
import { Authenticator } from './services/authenticator';
import { BootstrapService } from './services/bootstrap.service';
import { CatalogService } from './services/catalog.service';
import { LocalTokenValidator } from './services/local-token.validator';
import { LockoutService } from './services/lockout.service';
import { ChangeFeed, EventPublisher } from './services/events';
import { Clock, PasswordHasher } from './services/primitives';
import { RevocationService } from './services/revocation.service';
import { TokenCodec } from './services/token-codec';
import { TokenProvider } from './services/token-provider';

export interface IdentityModuleOptions {
  config: IdentityConfig;
  dataSource: DataSource;
  publisher: EventPublisher;
  /** A replacement clock (tests). */
  clock?: Clock;
}

/** Everything identity needs without HTTP: repositories and domain services (manage.ts uses it alone). */
export function coreProviders(opts: IdentityModuleOptions): Provider[] {
  return [
    { provide: IDENTITY_CONFIG, useValue: opts.config },
    { provide: DATA_SOURCE, useValue: opts.dataSource },
    { provide: EventPublisher, useValue: opts.publisher },
    { provide: Clock, useValue: opts.clock ?? new Clock() },
    ResourceRepository,
    AssignmentRepository,
    CatalogRepository,
    CredentialRepository,
    ChangeFeed,
    PasswordHasher,
    AssignmentService,
    RevocationService,
    CatalogService,
    TokenCodec,
    TokenProvider,
    LocalTokenValidator,
    LockoutService,
    Authenticator,
    AuthRateLimiter,
    BootstrapService,
  ];
}

@Module({})
export class IdentityCoreModule {
  static register(opts: IdentityModuleOptions): DynamicModule {
    const providers = coreProviders(opts);
    return {
      module: IdentityCoreModule,
      global: true,
      providers,
      exports: providers.map((p) => (typeof p === 'function' ? p : (p as { provide: Type | symbol }).provide)),
    };
  }
}

export { HealthController };
