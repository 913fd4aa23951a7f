export * from './errors';
export * from './catalog';
export * from './session';
export * from './identity';
export * from './http';
export * from './image';
export * from './object-types';
export * from './object-client';
