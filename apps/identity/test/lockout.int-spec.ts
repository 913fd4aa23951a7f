import { AuthRateLimiter } from '../src/services/auth-rate-limiter';
import { Clock } from '../src/services/primitives';
import { ADMIN_PASSWORD, IdentityTestApp, startIdentity } from './helpers/app';
import { keystoneError } from './helpers/resources';

class MovableClock extends Clock {
  offsetMs = 0;
  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const passwordBody = (name: string, password: string) => ({
  auth: { identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password } } } },
});

/** Keystone's lockout (`lockout_failure_attempts`, `lockout_duration`) and Kumo's per-source limit on failed authentications. */
describe('failed password authentications', () => {
  describe('account lockout (off by default, as in Keystone)', () => {
    let t: IdentityTestApp;
    afterAll(async () => {
      await t.close();
    });

    it('never locks an account when lockout_failure_attempts is not set', async () => {
      t = await startIdentity();
      await t.createUser('nolock', 'nolock-pass');
      for (let i = 0; i < 8; i++) {
        const res = await t.inject('POST', '/v3/auth/tokens', { body: passwordBody('nolock', 'wrong'), remoteAddress: `198.51.100.${i}` });
        expect(res.status).toBe(401);
      }
      expect((await t.inject('POST', '/v3/auth/tokens', { body: passwordBody('nolock', 'nolock-pass') })).status).toBe(201);
    });
  });

  describe('account lockout when configured', () => {
    const clock = new MovableClock();
    let t: IdentityTestApp;
    let admin: string;
    beforeAll(async () => {
      // the per-source limit (tested below) kept out of the way: every attempt here comes from 127.0.0.1
      t = await startIdentity({ KUMO_IDENTITY_LOCKOUT_FAILURE_ATTEMPTS: '3', KUMO_IDENTITY_LOCKOUT_DURATION: '60', KUMO_IDENTITY_AUTH_FAILURE_LIMIT: '1000' }, { clock });
      admin = await t.adminToken();
    });
    afterAll(async () => {
      await t.close();
    });
    const attempt = (name: string, password: string) => t.inject('POST', '/v3/auth/tokens', { body: passwordBody(name, password) });

    it('locks the account after N failures, even against the right password, for lockout_duration', async () => {
      const id = await t.createUser('ann', 'ann-pass');
      for (let i = 0; i < 3; i++) {
        expect((await attempt('ann', 'wrong')).json).toEqual(keystoneError(401, 'Unauthorized', 'The request you have made requires authentication.'));
      }
      const locked = await attempt('ann', 'ann-pass');
      expect(locked.json).toEqual(keystoneError(401, 'Unauthorized', `The account is locked for user: ${id}.`));
      expect(locked.headers['x-subject-token']).toBeUndefined();
      clock.offsetMs += 59_000;
      expect((await attempt('ann', 'ann-pass')).status).toBe(401);
      clock.offsetMs += 2_000;
      expect((await attempt('ann', 'ann-pass')).status).toBe(201);
    });

    it('resets the count on a successful authentication', async () => {
      await t.createUser('bob', 'bob-pass');
      for (const password of ['wrong', 'wrong', 'bob-pass', 'wrong', 'wrong']) await attempt('bob', password);
      expect((await attempt('bob', 'bob-pass')).status).toBe(201);
    });

    it('counts a wrong original password in a password change and refuses the change while locked', async () => {
      const id = await t.createUser('cat', 'cat-pass', { project: 'admin', role: 'member' });
      const token = await t.tokenFor('cat', 'cat-pass', 'admin');
      const change = (original: string) => t.inject('POST', `/v3/users/${id}/password`, { token, body: { user: { original_password: original, password: 'cat-new-pass' } } });
      for (let i = 0; i < 3; i++) expect((await change('wrong')).status).toBe(401);
      const locked = await change('cat-pass');
      expect(locked.json).toEqual(keystoneError(401, 'Unauthorized', `The account is locked for user: ${id}.`));
      expect((await attempt('cat', 'cat-pass')).status).toBe(401);
    });

    it('is lifted when an admin enables the user or sets a new password', async () => {
      const id = await t.createUser('dan', 'dan-pass');
      for (let i = 0; i < 3; i++) await attempt('dan', 'wrong');
      expect((await attempt('dan', 'dan-pass')).json.error.message).toContain('locked');
      expect((await t.inject('PATCH', `/v3/users/${id}`, { token: admin, body: { user: { enabled: true } } })).status).toBe(200);
      expect((await attempt('dan', 'dan-pass')).status).toBe(201);
      for (let i = 0; i < 3; i++) await attempt('dan', 'wrong');
      expect((await t.inject('PATCH', `/v3/users/${id}`, { token: admin, body: { user: { password: 'dan-pass-2' } } })).status).toBe(200);
      expect((await attempt('dan', 'dan-pass-2')).status).toBe(201);
    });

    it('spares a user with the option ignore_lockout_failure_attempts', async () => {
      const id = await t.createUser('eve', 'eve-pass');
      await t.inject('PATCH', `/v3/users/${id}`, { token: admin, body: { user: { options: { ignore_lockout_failure_attempts: true } } } });
      for (let i = 0; i < 5; i++) await attempt('eve', 'wrong');
      expect((await attempt('eve', 'eve-pass')).status).toBe(201);
    });
  });

  describe('the per-source limit on failed authentications (beyond Keystone, on by default)', () => {
    const clock = new MovableClock();
    let t: IdentityTestApp;
    beforeAll(async () => {
      t = await startIdentity({}, { clock });
    });
    afterAll(async () => {
      await t.close();
    });
    const from = (source: string, password: string) => t.inject('POST', '/v3/auth/tokens', { body: passwordBody('admin', password), remoteAddress: source });

    it('answers 50 wrong passwords in a row with 429 and Retry-After once the limit is reached', async () => {
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 50; i++) {
        last = await from('203.0.113.7', `wrong-${i}`);
        statuses.push(last.status);
      }
      expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
      expect(statuses.slice(20)).toEqual(Array(30).fill(429));
      expect(last!.json).toEqual(keystoneError(429, 'Too Many Requests', expect.stringContaining('Too many failed authentication attempts')));
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(last!.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(last!.headers['x-openstack-request-id']).toMatch(/^req-/);
      // the right password from that source waits too (or the answers would tell a guess right)
      expect((await from('203.0.113.7', ADMIN_PASSWORD)).status).toBe(429);
      // other sources, and validation from the blocked one, are unaffected
      const ok = await from('203.0.113.8', ADMIN_PASSWORD);
      expect(ok.status).toBe(201);
      const token = ok.headers['x-subject-token'] as string;
      const check = await t.inject('GET', '/v3/auth/tokens', { token, headers: { 'x-subject-token': token }, remoteAddress: '203.0.113.7' });
      expect(check.status).toBe(200);
      // the window slides: after it, the source may try again
      clock.offsetMs += 61_000;
      expect((await from('203.0.113.7', ADMIN_PASSWORD)).status).toBe(201);
    });

    it('never counts successful authentications', async () => {
      for (let i = 0; i < 40; i++) expect((await from('203.0.113.9', ADMIN_PASSWORD)).status).toBe(201);
    });

    it('keeps its memory bounded (least recently failing sources forgotten first)', async () => {
      const limiter = t.app.get(AuthRateLimiter);
      for (let i = 0; i < 300; i++) limiter.recordFailure(`10.0.${i >> 8}.${i & 255}`);
      expect(limiter.size).toBeLessThanOrEqual(10_000);
      const small = await startIdentity({ KUMO_IDENTITY_AUTH_FAILURE_SOURCES: '100' });
      try {
        const l = small.app.get(AuthRateLimiter);
        for (let i = 0; i < 1000; i++) l.recordFailure(`10.1.${i >> 8}.${i & 255}`);
        expect(l.size).toBe(100);
      } finally {
        await small.close();
      }
    });

    it('can be turned off (auth_failure_limit: 0)', async () => {
      const off = await startIdentity({ KUMO_IDENTITY_AUTH_FAILURE_LIMIT: '0' });
      try {
        for (let i = 0; i < 30; i++) expect((await off.inject('POST', '/v3/auth/tokens', { body: passwordBody('admin', 'wrong') })).status).toBe(401);
      } finally {
        await off.close();
      }
    });
  });
});
