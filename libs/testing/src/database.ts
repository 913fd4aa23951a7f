// The throwaway databases live in libs/db (so that libs/db's tests need no libs/testing, which
// depends on libs/db); services' tests take them from here with the other test helpers.
export { createTestDatabase, testDatabaseUrl } from '@kumo/db';
export type { TestDatabase } from '@kumo/db';
