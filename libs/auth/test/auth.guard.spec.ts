import { Controller, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp, createLogger, currentContext, publicContext, ServiceUnavailable } from '@kumo/common';
import type { AuthContext } from '../src/auth-context';
import { Auth, Public } from '../src/auth.guard';
import { AuthModule } from '../src/auth.module';
import { ADMIN } from '../src/policy/defaults';
import { PolicyEnforcer } from '../src/policy/policy.enforcer';
import { invalidToken, TokenValidator } from '../src/token-validator';
import { caller } from './helpers';

/** Knows one token, `good`; `down` makes it fail as an unreachable identity would. */
class FakeValidator extends TokenValidator {
  static down = false;
  async validate(token: string): Promise<AuthContext> {
    if (FakeValidator.down) throw new ServiceUnavailable('Identity is unreachable (ECONNREFUSED).');
    if (token !== 'good') throw invalidToken();
    return caller(['member'], { token });
  }
}

@Controller()
class TestController {
  constructor(private readonly policy: PolicyEnforcer) {}

  @Get()
  @Public()
  versions(): unknown {
    return { versions: [] };
  }

  @Get('me')
  me(@Auth() auth: AuthContext): unknown {
    const { requestId: _r, ...ctx } = publicContext(currentContext()!);
    return {
      user: auth.userName,
      project: auth.projectId,
      roles: auth.roles,
      ctx,
      tokenInContext: currentContext()?.authToken === auth.token,
    };
  }

  @Get('admin')
  admin(@Auth() auth: AuthContext): unknown {
    this.policy.enforce('test:admin', auth);
    return {};
  }
}

@Public()
@Controller('health')
class HealthController {
  @Get()
  health(): string {
    return 'ok';
  }
}

@Module({
  imports: [
    AuthModule.forRoot({
      validator: { provide: TokenValidator, useClass: FakeValidator },
      policies: { 'test:admin': ADMIN },
      identityUri: 'http://203.0.113.5:5000',
    }),
  ],
  controllers: [TestController, HealthController],
})
class TestModule {}

describe('AuthGuard', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createHttpApp(TestModule, {
      service: 'test',
      faultStyle: 'keystone',
      logger: createLogger('test', 'silent'),
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
  });
  afterEach(() => {
    FakeValidator.down = false;
  });

  it('lets public routes and controllers through without a token, and ignores a bad one there', async () => {
    for (const [url, headers] of [
      ['/', {}],
      ['/health', {}],
      ['/', { 'x-auth-token': 'bad' }],
    ] as const) {
      const res = await app.inject({ method: 'GET', url, headers });
      expect(res.statusCode).toBe(200);
    }
  });

  it('answers 401 with WWW-Authenticate without a token, with an empty one and with a bad one', async () => {
    for (const headers of [{}, { 'x-auth-token': '' }, { 'x-auth-token': 'bad' }]) {
      const res = await app.inject({ method: 'GET', url: '/me', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Keystone uri="http://203.0.113.5:5000"');
      expect(res.headers['content-type']).toMatch(/^application\/json(; charset=utf-8)?$/);
      expect(res.json()).toEqual({
        error: {
          code: 401,
          title: 'Unauthorized',
          message: 'The request you have made requires authentication.',
        },
      });
    }
  });

  it('reads X-Auth-Token whatever its case and gives the handler the caller’s context', async () => {
    for (const name of ['X-Auth-Token', 'x-auth-token', 'X-AUTH-TOKEN']) {
      const res = await app.inject({ method: 'GET', url: '/me', headers: { [name]: 'good' } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ user: 'alice', project: 'p1', roles: ['member', 'reader'] });
    }
  });

  it('extends the request context with the caller', async () => {
    const res = await app.inject({ method: 'GET', url: '/me', headers: { 'x-auth-token': 'good' } });
    expect(res.json().ctx).toEqual({
      userId: 'u1',
      userName: 'alice',
      userDomainId: 'default',
      projectId: 'p1',
      projectName: 'demo',
      projectDomainId: 'default',
      roles: ['member', 'reader'],
    });
    expect(res.json().tokenInContext).toBe(true);
  });

  it('answers 503, not 401, when the token cannot be checked', async () => {
    FakeValidator.down = true;
    const res = await app.inject({ method: 'GET', url: '/me', headers: { 'x-auth-token': 'good' } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.json()).toEqual({
      error: { code: 503, title: 'Service Unavailable', message: 'Identity is unreachable (ECONNREFUSED).' },
    });
  });

  it('answers 403 with OpenStack’s message when policy denies', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin', headers: { 'x-auth-token': 'good' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({
      error: {
        code: 403,
        title: 'Forbidden',
        message: 'You are not authorized to perform the requested action: test:admin.',
      },
    });
  });
});
