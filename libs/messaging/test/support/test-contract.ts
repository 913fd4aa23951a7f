import { z } from 'zod';
import { defineContract } from '../../src/contracts';

const methods = {
  add: { kind: 'call', args: z.object({ a: z.number(), b: z.number() }).strict(), result: z.object({ sum: z.number() }) },
  greet: { kind: 'call', args: z.object({ name: z.string(), punctuation: z.string().default('!') }), result: z.object({ text: z.string() }) },
  whoami: {
    kind: 'call',
    args: z.object({}),
    result: z.object({ requestId: z.string(), userId: z.string().optional(), projectId: z.string().optional(), roles: z.array(z.string()).optional(), hasToken: z.boolean(), callerHost: z.string().optional() }),
  },
  find: { kind: 'call', args: z.object({ id: z.string() }), result: z.object({ id: z.string() }) },
  explode: { kind: 'call', args: z.object({}), result: z.object({}) },
  broken: { kind: 'call', args: z.object({}), result: z.object({ count: z.number() }) },
  slow: { kind: 'call', args: z.object({ ms: z.number() }), result: z.object({ ok: z.literal(true) }) },
  record: { kind: 'cast', args: z.object({ value: z.string() }) },
} as const;

/** The contract the messaging tests serve, version 1.2. */
export const testContract = defineContract({ topic: 'testsvc', version: '1.2', methods });
/** The same contract as a caller of another version sees it. */
export const testContractAt = (version: string) => defineContract({ topic: 'testsvc', version, methods });
