export * from './core';
export * from './auth.guard';
export * from './auth.module';
