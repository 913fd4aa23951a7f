export * from './instance-spec';
export * from './agent.contract';
export * from './conductor.contract';
export * from './scheduler.contract';
