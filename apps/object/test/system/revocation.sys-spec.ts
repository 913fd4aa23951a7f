import {
  fetchRetrying,
  REFUSED_IN_TIME,
  REFUSED_WITHIN_MS,
  RevocationStack,
  REVOCATION_WAYS,
} from '../../../../libs/auth/test/support/revocation-suite';

jest.setTimeout(120_000);

const BASE = process.env.KUMO_TEST_OBJECT_URL ?? 'http://127.0.0.1:8080';

/**
 * Against the running stack: once identity has answered a revocation, the object service refuses the
 * token (401) within 1 s, although it had just answered it from its validation cache.
 */
describe(`object proxy (GET /v1/AUTH_<project>) refuses a revoked token within ${REFUSED_WITHIN_MS} ms`, () => {
  const stack = new RevocationStack();
  afterAll(() => stack.cleanup());

  it.each(REVOCATION_WAYS)('by %s', async (way) => {
    const outcome = await stack.run(way, async (token, projectId) => {
      const res = await fetchRetrying(`${BASE}/v1/AUTH_${projectId}`, { headers: { 'x-auth-token': token } });
      await res.arrayBuffer();
      return res.status;
    });
    expect(outcome).toEqual({ ...REFUSED_IN_TIME, before: [204, 204] });
  });
});
