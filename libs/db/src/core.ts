/** `@kumo/db/core`: the database without TypeORM (a plain mysql2 pool); the index adds TypeORM's data source. */
export * from './sql-pool';
