import { itRefusesRevokedTokens, REFUSED_WITHIN_MS } from '@kumo/testing';

jest.setTimeout(120_000);

const BASE = process.env.KUMO_TEST_COMPUTE_URL ?? 'http://127.0.0.1:8774';

/**
 * Against the running stack: once identity has answered a revocation, the compute API refuses the
 * token (401) within 1 s, although it had just answered it from its validation cache (the cache
 * evicts on identity.token.revoked, libs/auth's startServiceAuth through runService).
 */
describe(`compute API (GET /v2.1/servers) refuses a revoked token within ${REFUSED_WITHIN_MS} ms`, () => {
  itRefusesRevokedTokens(() => `${BASE}/v2.1/servers`, 200);
});
