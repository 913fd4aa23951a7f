export * from './errors';
export * from './catalog';
export * from './session';
export * from './identity';
