/**
 * `@kumo/auth/core`: token validation without NestJS (the auth context, the validators and their
 * cache, the service user's start-up path `startServiceAuth`, policy rules). The package's index adds
 * the Nest pieces (AuthGuard, AuthModule); a process that serves with node:http (object's proxy) and
 * the service kit's `serviceAuth` import this entry, so that token validation does not load NestJS,
 * fastify and rxjs (docs/operations.md).
 */
export * from './auth-context';
export * from './token-validator';
export * from './policy';
export * from './service-auth';
export * from './fake-token-validator';
