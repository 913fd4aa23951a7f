/** A JSON object column (TypeORM's insert typing needs `any` values here). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonMap = Record<string, any>;
