export * from './core';
export * from './fault.filter';
export * from './http-app';
export * from './health.controller';
export * from './public.decorator';
