import { itRefusesRevokedTokens, REFUSED_WITHIN_MS } from '@kumo/testing';

jest.setTimeout(120_000);

const BASE = process.env.KUMO_TEST_OBJECT_URL ?? 'http://127.0.0.1:8080';

/**
 * Against the running stack: once identity has answered a revocation, the object service refuses the
 * token (401) within 1 s, although it had just answered it from its validation cache.
 */
describe(`object proxy (GET /v1/AUTH_<project>) refuses a revoked token within ${REFUSED_WITHIN_MS} ms`, () => {
  itRefusesRevokedTokens((projectId) => `${BASE}/v1/AUTH_${projectId}`, 204);
});
