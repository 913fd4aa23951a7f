export * from './cases';
export * from './faults';
export * from './fuzz';
export * from './http';
export * from './snapshot';
export * from './coverage';
