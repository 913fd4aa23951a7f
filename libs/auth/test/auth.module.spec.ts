import { Controller, Get, Module, Provider } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp, createLogger } from '@kumo/common';
import type { AuthContext } from '../src/auth-context';
import { Auth } from '../src/auth.guard';
import { AuthModule, AuthModuleOptions } from '../src/auth.module';
import { CachingTokenValidator } from '../src/caching-token.validator';
import { PolicyEnforcer } from '../src/policy/policy.enforcer';
import {
  LocalRevocationFeed,
  RevocationFeed,
  revocationFeedFromSubscribe,
  TOKEN_REVOKED_EVENT,
} from '../src/revocation';
import { invalidToken, TokenValidator } from '../src/token-validator';
import { creds, FakeIdentity } from './fake-identity';
import { caller, projectTokenBody } from './helpers';

const AUDIT_ID = projectTokenBody().token.audit_ids as string[];

@Controller()
class MeController {
  @Get('me')
  me(@Auth() auth: AuthContext): unknown {
    return { user: auth.userName };
  }
}

async function appWith(opts: AuthModuleOptions): Promise<NestFastifyApplication> {
  @Module({ imports: [AuthModule.forRoot(opts)], controllers: [MeController] })
  class AppModule {}
  const app = await createHttpApp(AppModule, {
    service: 'test',
    faultStyle: 'nova',
    logger: createLogger('test', 'silent'),
  });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

const me = (app: NestFastifyApplication) =>
  app.inject({ method: 'GET', url: '/me', headers: { 'x-auth-token': 'good' } });

describe('AuthModule', () => {
  describe('with { keystone } credentials', () => {
    let identity: FakeIdentity;
    let app: NestFastifyApplication;
    const feed = new LocalRevocationFeed();

    beforeAll(async () => {
      identity = new FakeIdentity();
      const url = await identity.start();
      app = await appWith({
        validator: { keystone: creds(url) },
        revocations: feed,
        identityUri: 'http://id:5000',
      });
    });
    afterAll(async () => {
      await app.close();
      await identity.stop();
    });

    it('validates with identity once, then from the cache, until a revocation evicts the token', async () => {
      expect((await me(app)).statusCode).toBe(200);
      expect((await me(app)).json()).toEqual({ user: 'alice' });
      expect(identity.checks).toHaveLength(1);
      expect(app.get(CachingTokenValidator).size).toBe(1);

      identity.revoked.add('good');
      feed.publish({ auditIds: [AUDIT_ID[0]] });
      const res = await me(app);
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Keystone uri="http://id:5000"');
      expect(res.json()).toEqual({
        unauthorized: { code: 401, message: 'The request you have made requires authentication.' },
      });
      expect(identity.checks).toHaveLength(2);
    });

    it('exposes the validator and an empty policy that denies everything', () => {
      expect(app.get(TokenValidator)).toBe(app.get(CachingTokenValidator));
      expect(app.get(PolicyEnforcer).check('anything', caller(['admin']))).toBe(false);
    });
  });

  describe('with a validator provider', () => {
    class Counting extends TokenValidator {
      static calls = 0;
      async validate(token: string): Promise<AuthContext> {
        Counting.calls++;
        if (token !== 'good') throw invalidToken();
        return caller(['member'], { token });
      }
    }

    beforeEach(() => {
      Counting.calls = 0;
    });

    it('does not cache by default (identity checks revocations itself)', async () => {
      const app = await appWith({ validator: { provide: TokenValidator, useClass: Counting } });
      await me(app);
      await me(app);
      expect(Counting.calls).toBe(2);
      expect(app.get(TokenValidator)).toBeInstanceOf(Counting);
      await app.close();
    });

    it('caches when asked, evicted through a feed built from a bus subscription', async () => {
      const handlers: Array<(payload: unknown) => void | Promise<void>> = [];
      const revocations: Provider = {
        provide: RevocationFeed,
        useFactory: () =>
          revocationFeedFromSubscribe(async (pattern, handler) => {
            expect(pattern).toBe(TOKEN_REVOKED_EVENT);
            handlers.push(handler);
          }),
      };
      const app = await appWith({ validator: Counting, cache: { ttlMs: 60_000 }, revocations });
      await me(app);
      await me(app);
      expect(Counting.calls).toBe(1);
      expect(handlers).toHaveLength(1);
      await handlers[0]({ userId: 'u1' });
      await me(app);
      expect(Counting.calls).toBe(2);
      await app.close();
    });

    it('leaves the guard out when told to', async () => {
      const app = await appWith({ validator: new Counting(), guard: false });
      const res = await app.inject({ method: 'GET', url: '/me' });
      expect(res.statusCode).toBe(401); // @Auth() finds no context: nothing authenticated the request
      expect(Counting.calls).toBe(0);
      await app.close();
    });
  });

  it('refuses a validator option it cannot use', () => {
    expect(() => AuthModule.forRoot({ validator: { provide: 'something', useValue: 1 } })).toThrow(
      /`validator` must be/,
    );
  });
});
