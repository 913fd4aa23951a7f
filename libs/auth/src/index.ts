export * from './auth-context';
export * from './token-validator';
export * from './auth.guard';
export * from './policy';
export * from './auth.module';
export * from './service-auth';
export * from './fake-token-validator';
