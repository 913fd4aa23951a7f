export * from './core';
export * from './data-source';
export * from './naming.strategy';
export * from './state-transition';
export * from './test-database';
