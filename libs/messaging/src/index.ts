export * from './contracts';
export * from './errors';
export * from './transport';
export * from './messaging.client';
export * from './in-memory';
export * from './events';
