import type { z, ZodTypeAny } from 'zod';
import type { RequestContext } from '@kumo/common';

/** A method answered with a result: the caller waits for it. */
export interface CallSpec<A extends ZodTypeAny = ZodTypeAny, R extends ZodTypeAny = ZodTypeAny> {
  kind: 'call';
  args: A;
  result: R;
}
/** A one-way method: the caller waits only for the broker to take it. */
export interface CastSpec<A extends ZodTypeAny = ZodTypeAny> {
  kind: 'cast';
  args: A;
  /** Ignored: a cast has no result. */
  result?: ZodTypeAny;
}
export type MethodSpec = CallSpec | CastSpec;

/**
 * An RPC contract, the one object both sides compile against: the topic it is served on, its
 * `major.minor` version (a new optional argument or method bumps the minor, anything else the
 * major) and the zod schemas of each method's arguments and result.
 */
export interface Contract<M extends Record<string, MethodSpec> = Record<string, MethodSpec>> {
  readonly topic: string;
  readonly version: string;
  readonly methods: M;
}

const VERSION_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const TOPIC_RE = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;

/** Declares a contract, checking its topic and version once, where it is written. */
export function defineContract<M extends Record<string, MethodSpec>>(contract: {
  topic: string;
  version: string;
  methods: M;
}): Contract<M> {
  if (!TOPIC_RE.test(contract.topic)) throw new Error(`RPC topic ${JSON.stringify(contract.topic)} is not a dotted lower-case name.`);
  if (!VERSION_RE.test(contract.version)) throw new Error(`RPC contract ${contract.topic}: version ${JSON.stringify(contract.version)} is not major.minor.`);
  for (const [name, m] of Object.entries(contract.methods)) {
    if (m.kind !== 'call' && m.kind !== 'cast') throw new Error(`RPC contract ${contract.topic}: method ${name} has no kind call or cast.`);
    if (m.kind === 'call' && !m.result) throw new Error(`RPC contract ${contract.topic}: call ${name} has no result schema.`);
  }
  return Object.freeze({ topic: contract.topic, version: contract.version, methods: contract.methods });
}

/** `1.2` → `[1, 2]`, or undefined when it is not `major.minor`. */
export function parseVersion(v: unknown): [number, number] | undefined {
  if (typeof v !== 'string') return undefined;
  const m = VERSION_RE.exec(v);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** A server implementing `server` answers a caller of `caller`: same major, caller's minor not newer. */
export function versionServes(server: string, caller: string): boolean {
  const s = parseVersion(server);
  const c = parseVersion(caller);
  return !!s && !!c && s[0] === c[0] && c[1] <= s[1];
}

type MethodsOf<C extends Contract> = C['methods'];
export type CallMethods<C extends Contract> = {
  [K in keyof MethodsOf<C>]: MethodsOf<C>[K] extends { kind: 'call' } ? K : never;
}[keyof MethodsOf<C>] &
  string;
export type CastMethods<C extends Contract> = {
  [K in keyof MethodsOf<C>]: MethodsOf<C>[K] extends { kind: 'cast' } ? K : never;
}[keyof MethodsOf<C>] &
  string;
/** What a caller passes (the schema's input: before defaults). */
export type ArgsOf<C extends Contract, M extends keyof MethodsOf<C>> = z.input<MethodsOf<C>[M]['args']>;
/** What a handler receives (the schema's output: validated, defaults applied). */
export type ParsedArgsOf<C extends Contract, M extends keyof MethodsOf<C>> = z.output<MethodsOf<C>[M]['args']>;
/** What a caller gets back. */
export type ResultOf<C extends Contract, M extends keyof MethodsOf<C>> =
  MethodsOf<C>[M] extends CallSpec<ZodTypeAny, infer R> ? z.output<R> : void;
/** What a handler returns. */
export type HandlerResultOf<C extends Contract, M extends keyof MethodsOf<C>> =
  MethodsOf<C>[M] extends CallSpec<ZodTypeAny, infer R> ? z.input<R> : void;

/**
 * What a handler knows of its caller: the caller's request id, user, project and roles (never a
 * token), and the host the calling client acts for (`callerHost`, set by its RpcClient: see
 * RpcOptions; it says which host's client sent it, not who it is: the broker does not check it).
 */
export type RpcContext = Omit<RequestContext, 'authToken'> & { callerHost?: string };

/** A server's implementation of a contract: one handler per method, given the caller's context and the parsed arguments. */
export type Handlers<C extends Contract> = {
  [K in keyof MethodsOf<C> & string]: (
    ctx: RpcContext,
    args: ParsedArgsOf<C, K>,
  ) => Promise<HandlerResultOf<C, K>> | HandlerResultOf<C, K>;
};
