// The fake token validator lives in libs/auth (beside TokenValidator, so that libs/auth's tests need
// no libs/testing); services' tests take it from here with the other test helpers.
export { FakeTokenValidator, fakeAuthContext } from '@kumo/auth';
export type { FakeCaller, FakeTokenValidatorOptions } from '@kumo/auth';
