/**
 * `@kumo/common/core`: what a process needs without NestJS or fastify (context, errors, config,
 * logger, faults, discovery documents, pagination, the HTTP client, the heap's settle). The package's
 * index adds the Nest pieces (the HTTP app, the fault filter, the health controller); a process that
 * serves no Nest app (compute's agent, scheduler and console proxy, object's proxy and nodes) imports
 * this entry, so that it does not load Nest, fastify and rxjs (docs/operations.md: ~30 MiB of RSS each).
 */
export * from './context';
export * from './errors';
export * from './config';
export * from './logger';
export * from './faults';
export * from './discovery';
export * from './pagination';
export * from './http-client';
export * from './heap';
