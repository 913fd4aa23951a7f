import { itRefusesRevokedTokens, REFUSED_WITHIN_MS } from '@kumo/testing';

jest.setTimeout(120_000);

const BASE = process.env.KUMO_TEST_IMAGE_URL ?? 'http://127.0.0.1:9292';

/**
 * Against the running stack: once identity has answered a revocation, the image service refuses the
 * token (401) within 1 s, although it had just answered it from its validation cache.
 */
describe(`image (GET /v2/images) refuses a revoked token within ${REFUSED_WITHIN_MS} ms`, () => {
  itRefusesRevokedTokens(() => `${BASE}/v2/images`, 200);
});
