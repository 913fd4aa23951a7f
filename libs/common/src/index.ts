export * from './context';
export * from './errors';
export * from './config';
export * from './logger';
