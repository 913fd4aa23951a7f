import {
  DynamicModule,
  Inject,
  Injectable,
  Module,
  OnModuleDestroy,
  Optional,
  Provider,
  Type,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard, IDENTITY_URI } from './auth.guard';
import { CachingTokenValidator, TokenCacheOptions } from './caching-token.validator';
import {
  KeystoneTokenValidator,
  KeystoneTokenValidatorOptions,
  ServiceCredentials,
} from './keystone-token.validator';
import { PolicyEnforcer, PolicyEnforcerOptions } from './policy/policy.enforcer';
import type { PolicyRules } from './policy/rules';
import { connectRevocations, RevocationFeed } from './revocation';
import { TokenValidator } from './token-validator';

/** Validate with identity over HTTP as this service user (what every service but identity uses). */
export interface KeystoneValidation extends KeystoneTokenValidatorOptions {
  keystone: ServiceCredentials;
}

/**
 * How tokens are validated:
 * - `{ keystone: credentials, ...options }`: KeystoneTokenValidator (cached by default);
 * - a TokenValidator instance;
 * - a Nest provider of TokenValidator (`{ provide: TokenValidator, useClass: LocalTokenValidator }`)
 *   or a TokenValidator subclass, built by DI (identity's in-process validator).
 */
export type ValidatorOption = KeystoneValidation | TokenValidator | Provider | Type<TokenValidator>;

export interface AuthModuleOptions {
  validator: ValidatorOption;
  /** The service's rule set(s). */
  policies?: PolicyRules | readonly PolicyRules[];
  /** Options of the PolicyEnforcer (e.g. nova's denial message). */
  policy?: PolicyEnforcerOptions;
  /** Identity's public URL, announced as `WWW-Authenticate: Keystone uri="..."` on every 401. */
  identityUri?: string;
  /**
   * Cache validations in a CachingTokenValidator. Default: on for `{ keystone }`, off otherwise
   * (identity validates in-process and checks revocations itself). `false` turns it off.
   */
  cache?: TokenCacheOptions | boolean;
  /**
   * Revocation events that evict the cache: a RevocationFeed, or a provider of one (e.g. built
   * by the messaging wiring with revocationFeedFromSubscribe). Ignored without a cache.
   */
  revocations?: RevocationFeed | Provider;
  /** Install AuthGuard as a global APP_GUARD (default true). */
  guard?: boolean;
}

/** DI token of the validator before caching. */
export const INNER_TOKEN_VALIDATOR = Symbol('INNER_TOKEN_VALIDATOR');

/** Subscribes the cache to the revocation feed for the module's lifetime. */
@Injectable()
export class RevocationSubscription implements OnModuleDestroy {
  private readonly unsubscribe?: () => void;

  constructor(cache: CachingTokenValidator, @Optional() @Inject(RevocationFeed) feed?: RevocationFeed) {
    if (feed) this.unsubscribe = connectRevocations(feed, cache);
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}

/**
 * Authentication and policy for a Kumo API, in one import:
 *
 * ```ts
 * AuthModule.forRoot({
 *   validator: { keystone: config.keystone_authtoken },   // cached, evicted by revocations
 *   revocations: { provide: RevocationFeed, useFactory: (bus) => revocationFeedFromSubscribe(...), inject: [...] },
 *   policies: COMPUTE_POLICY,
 *   identityUri: config.identity_public_url,
 * })
 * ```
 *
 * Provides (globally) TokenValidator, PolicyEnforcer, IDENTITY_URI and, with a cache,
 * CachingTokenValidator; installs AuthGuard as APP_GUARD unless `guard: false`.
 */
@Module({})
export class AuthModule {
  static forRoot(opts: AuthModuleOptions): DynamicModule {
    const isKeystone = isKeystoneValidation(opts.validator);
    const cacheOpts = opts.cache ?? isKeystone;
    const providers: Provider[] = [
      innerValidatorProvider(opts.validator),
      { provide: IDENTITY_URI, useValue: opts.identityUri },
      { provide: PolicyEnforcer, useValue: new PolicyEnforcer(opts.policies ?? {}, opts.policy) },
    ];
    const exports: NonNullable<DynamicModule['exports']> = [TokenValidator, PolicyEnforcer, IDENTITY_URI];
    if (cacheOpts === false) {
      providers.push({ provide: TokenValidator, useExisting: INNER_TOKEN_VALIDATOR });
    } else {
      const cache = cacheOpts === true ? {} : cacheOpts;
      providers.push(
        {
          provide: CachingTokenValidator,
          useFactory: (inner: TokenValidator) => new CachingTokenValidator(inner, cache),
          inject: [INNER_TOKEN_VALIDATOR],
        },
        { provide: TokenValidator, useExisting: CachingTokenValidator },
        RevocationSubscription,
      );
      exports.push(CachingTokenValidator);
      if (opts.revocations) {
        providers.push(
          opts.revocations instanceof RevocationFeed
            ? { provide: RevocationFeed, useValue: opts.revocations }
            : opts.revocations,
        );
      }
    }
    if (opts.guard !== false) providers.push({ provide: APP_GUARD, useClass: AuthGuard });
    return { module: AuthModule, global: true, providers, exports };
  }
}

function isKeystoneValidation(v: ValidatorOption): v is KeystoneValidation {
  return typeof v === 'object' && v !== null && 'keystone' in v;
}

function innerValidatorProvider(v: ValidatorOption): Provider {
  if (isKeystoneValidation(v)) {
    const { keystone, ...options } = v;
    return { provide: INNER_TOKEN_VALIDATOR, useValue: new KeystoneTokenValidator(keystone, options) };
  }
  if (v instanceof TokenValidator) return { provide: INNER_TOKEN_VALIDATOR, useValue: v };
  if (typeof v === 'function') return { provide: INNER_TOKEN_VALIDATOR, useClass: v };
  if ('provide' in v && v.provide === TokenValidator)
    return { ...v, provide: INNER_TOKEN_VALIDATOR } as Provider;
  throw new Error(
    'AuthModule: `validator` must be { keystone }, a TokenValidator, or a provider of TokenValidator',
  );
}
