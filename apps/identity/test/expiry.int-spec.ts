import { Clock } from '../src/services/primitives';
import { ADMIN_PASSWORD, IdentityTestApp, startIdentity } from './helpers/app';

class MovableClock extends Clock {
  offsetMs = 0;
  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

describe('token expiry', () => {
  const clock = new MovableClock();
  let t: IdentityTestApp;
  beforeAll(async () => {
    t = await startIdentity({ KUMO_IDENTITY_TOKEN_EXPIRATION: '600' }, { clock });
  });
  afterAll(async () => {
    await t.close();
  });

  it('honours the configured lifetime, then answers 404 on validate and 401 at the guard', async () => {
    const checker = await t.tokenFor('admin', ADMIN_PASSWORD, 'admin');
    clock.offsetMs = 500_000;
    const late = await t.tokenFor('admin', ADMIN_PASSWORD, 'admin'); // issued 500 s later
    const body = (await t.inject('GET', '/v3/auth/tokens?nocatalog', { token: late, headers: { 'x-subject-token': checker } })).json;
    expect(new Date(body.token.expires_at).getTime() - new Date(body.token.issued_at).getTime()).toBe(600_000);

    clock.offsetMs = 601_000; // the first token has expired, the second has not
    const expired = await t.inject('GET', '/v3/auth/tokens', { token: late, headers: { 'x-subject-token': checker } });
    expect(expired.status).toBe(404);
    expect(expired.json.error).toEqual({ code: 404, title: 'Not Found', message: 'Could not find token.' });
    expect((await t.inject('GET', '/v3/auth/catalog', { token: checker })).status).toBe(401);
    expect((await t.inject('GET', '/v3/auth/catalog', { token: late })).status).toBe(200);
  });
});
