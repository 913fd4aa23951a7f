/** Marker types of an RPC contract: an interface whose members are Call<...> or Cast<...>. */
export interface Call<A, R> {
  readonly __kind: 'call';
  readonly __args: A;
  readonly __result: R;
}
export interface Cast<A> {
  readonly __kind: 'cast';
  readonly __args: A;
}

export type CallMethods<C> = { [K in keyof C]: C[K] extends Call<unknown, unknown> ? K : never }[keyof C] & string;
export type CastMethods<C> = { [K in keyof C]: C[K] extends Cast<unknown> ? K : never }[keyof C] & string;
export type ArgsOf<T> = T extends Call<infer A, unknown> ? A : T extends Cast<infer A> ? A : never;
export type ResultOf<T> = T extends Call<unknown, infer R> ? R : void;

/** Server-side handlers of a contract. */
export type Handlers<C> = { [K in keyof C]: (args: ArgsOf<C[K]>) => Promise<ResultOf<C[K]>> | ResultOf<C[K]> };
