/**
 * @kumo/auth: who is calling (token validation, cached and revocation-aware), the guard that
 * enforces it on every route, and the secure-RBAC policy engine.
 */
export * from './auth-context';
export * from './roles';
export * from './token-validator';
export * from './keystone-token.validator';
export * from './caching-token.validator';
export * from './revocation';
export * from './auth.guard';
export * from './policy/rules';
export * from './policy/defaults';
export * from './policy/policy.enforcer';
export * from './auth.module';
