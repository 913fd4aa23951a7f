import { InMemoryBroker } from '@kumo/messaging';
import {
  REVOCATION_FALLBACK_REFRESH_MS,
  RevocationService,
} from '../src/services/revocation.service';
import { IdentityTestApp, startIdentity } from './helpers/app';

/**
 * Two identity processes on one database and one bus (libs/messaging's in-memory broker, as
 * RabbitMQ in production): a revocation made through one is in force in the other at once, through
 * `identity.token.revoked`, without the other reading the revocation table again (that read is
 * only the 60 s safety net while events arrive).
 */
describe('revocations reach every identity process through the bus', () => {
  const broker = new InMemoryBroker();
  let a: IdentityTestApp;
  let b: IdentityTestApp;
  beforeAll(async () => {
    a = await startIdentity({}, { messaging: broker.client() });
    // one key repository too: each validates the other's tokens
    b = await startIdentity({ KUMO_IDENTITY_KEY_REPOSITORY: a.config.identity.key_repository }, { messaging: broker.client(), database: a.db });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const validate = async (app: IdentityTestApp, token: string) =>
    (await app.inject('GET', '/v3/auth/tokens', { token: await app.adminToken(), headers: { 'x-subject-token': token } })).status;
  const reads = () => b.app.get(RevocationService).refreshes;
  const delivered = () => new Promise((r) => setImmediate(r)); // the in-memory broker delivers on the next turn

  it('follows the bus: the stored revocations are read only every 60 s', () => {
    expect(b.app.get(RevocationService).changeFeedLive).toBe(true);
    expect(b.app.get(RevocationService).refreshMs).toBe(REVOCATION_FALLBACK_REFRESH_MS);
  });

  it("refuses a token revoked through the other process's API at once", async () => {
    const { dora } = await a.demoMember();
    expect(await validate(b, dora)).toBe(200);
    expect(await validate(b, dora)).toBe(200); // resolved from b's cache
    const before = reads();
    const del = await a.inject('DELETE', '/v3/auth/tokens', { token: await a.adminToken(), headers: { 'x-subject-token': dora } });
    expect(del.status).toBe(204);
    await delivered();
    expect(await validate(b, dora)).toBe(404);
    expect(reads()).toBe(before);
  });

  it('refuses the tokens of a user whose password the other process changed (the user stays enabled)', async () => {
    const id = await a.createUser('pat', 'pat-pass-1', { project: 'demo', role: 'member' });
    const pat = await a.tokenFor('pat', 'pat-pass-1', 'demo');
    expect(await validate(b, pat)).toBe(200);
    const patch = await a.inject('PATCH', `/v3/users/${id}`, { token: await a.adminToken(), body: { user: { password: 'pat-pass-2' } } });
    expect(patch.status).toBe(200);
    await delivered();
    expect(await validate(b, pat)).toBe(404);
    // a token issued after the revocation is valid on both
    await new Promise((r) => setTimeout(r, 5));
    const fresh = await b.tokenFor('pat', 'pat-pass-2', 'demo');
    expect([await validate(a, fresh), await validate(b, fresh)]).toEqual([200, 200]);
  });
});
