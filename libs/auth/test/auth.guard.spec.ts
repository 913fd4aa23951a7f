import { Controller, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp, createLogger, Public } from '@kumo/common';
import { FakeTokenValidator } from '../src/fake-token-validator';
import { AuthContext } from '../src/auth-context';
import { Auth } from '../src/auth.guard';
import { AuthModule } from '../src/auth.module';
import { ADMIN, PolicyEnforcer } from '../src/policy';
import { TokenValidator } from '../src/token-validator';

class FakeValidator extends FakeTokenValidator {
  constructor() {
    super({ good: { userId: 'u1', userName: 'alice', projectId: 'p1', roles: ['member', 'reader'] } }, { ttlMs: 60_000 });
  }
}

@Controller()
class TestController {
  constructor(private readonly policy: PolicyEnforcer) {}
  @Get('open')
  @Public()
  open(): unknown {
    return { ok: true };
  }
  @Get('me')
  me(@Auth() auth: AuthContext): unknown {
    return { user: auth.userName, project: auth.projectId };
  }
  @Get('admin')
  admin(@Auth() auth: AuthContext): unknown {
    this.policy.enforce('test:admin', auth);
    return {};
  }
}

@Module({
  imports: [AuthModule.forRoot({ validator: { provide: TokenValidator, useClass: FakeValidator }, policies: { 'test:admin': ADMIN }, identityUri: 'http://id:5000' })],
  controllers: [TestController],
})
class TestModule {}

describe('AuthGuard', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createHttpApp(TestModule, { service: 'test', faultStyle: 'nova', logger: createLogger('test', 'silent') });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('lets public routes through without a token', async () => {
    const res = await app.inject({ method: 'GET', url: '/open' });
    expect(res.statusCode).toBe(200);
  });

  it('answers 401 with WWW-Authenticate without or with a bad token', async () => {
    for (const headers of [{}, { 'x-auth-token': 'bad' }]) {
      const res = await app.inject({ method: 'GET', url: '/me', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Keystone uri="http://id:5000"');
      expect(res.json()).toEqual({ unauthorized: { code: 401, message: 'The request you have made requires authentication.' } });
    }
  });

  it('gives the handler the caller’s context', async () => {
    const res = await app.inject({ method: 'GET', url: '/me', headers: { 'X-Auth-Token': 'good' } });
    expect(res.json()).toEqual({ user: 'alice', project: 'p1' });
  });

  it('answers 403 in the service style when policy denies', async () => {
    const res = await app.inject({ method: 'GET', url: '/admin', headers: { 'x-auth-token': 'good' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ forbidden: { code: 403, message: 'You are not authorized to perform the requested action: test:admin.' } });
  });
});
