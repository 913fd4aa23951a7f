export * from './contracts';
export * from './errors';
export * from './messaging.client';
