export * from './data-source';
export * from './naming.strategy';
export * from './testing';
export * from './state-transition';
