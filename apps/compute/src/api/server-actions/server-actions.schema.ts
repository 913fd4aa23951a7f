import { z } from 'zod';
import { BadRequest, NotFound } from '@kumo/common';
import { novaMetadata } from '../servers/servers.schema';
import { novaName, parseBody, repr } from '../validation';
import { getSerialConsoleArgs } from '../remote-consoles/remote-consoles.schema';

/** What POST /servers/{id}/action asks, parsed (Nova's schemas per action). */
export type ServerAction =
  | { kind: 'power'; name: 'os-start' | 'os-stop' | 'reboot-SOFT' | 'reboot-HARD' | 'pause' | 'unpause' | 'suspend' | 'resume' }
  | { kind: 'console'; length?: number }
  | { kind: 'createImage'; name: string; metadata: Record<string, string> }
  | { kind: 'resetState'; state: 'active' | 'error' }
  | { kind: 'serialConsole'; type: string };

const noArgs = z.union([z.null(), z.object({}).strict()]);
const reboot = z.object({ type: z.enum(['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']) }).strict();
const consoleOutput = z
  .object({
    length: z
      .unknown()
      .transform((v, ctx): number | undefined => {
        if (v === undefined || v === null) return undefined;
        const s = typeof v === 'number' ? String(v) : v;
        if (typeof s !== 'string' || !/^-?[0-9]+$/.test(s)) {
          ctx.addIssue({ code: 'custom', message: `${repr(v)} does not match '^-?[0-9]+$'` });
          return z.NEVER;
        }
        const n = Number(s);
        if (n < -1) ctx.addIssue({ code: 'custom', message: `${repr(v)} is less than the minimum of -1` });
        return n <= 0 ? undefined : n;
      })
      .optional(),
  })
  .strict();
const createImage = z.object({ name: novaName, metadata: novaMetadata.optional() }).strict();
const resetState = z.object({ state: z.enum(['active', 'error']) }).strict();

const SIMPLE = { 'os-start': 'os-start', 'os-stop': 'os-stop', pause: 'pause', unpause: 'unpause', suspend: 'suspend', resume: 'resume' } as const;

/** The action a body names (its first key, as Nova dispatches); an unknown one is Nova's 404. */
export function parseServerAction(body: unknown): ServerAction {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('Malformed request body');
  const keys = Object.keys(body);
  if (!keys.length) throw new BadRequest('Malformed request body');
  const key = keys[0];
  const arg = (body as Record<string, unknown>)[key];
  const one = <T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>) => parseBody(z.object({ [key]: schema }).strict(), body)[key] as T;
  if (key in SIMPLE) {
    one(noArgs);
    return { kind: 'power', name: SIMPLE[key as keyof typeof SIMPLE] };
  }
  switch (key) {
    case 'reboot':
      return { kind: 'power', name: one(reboot).type.toUpperCase() === 'HARD' ? 'reboot-HARD' : 'reboot-SOFT' };
    case 'os-getConsoleOutput':
      return { kind: 'console', length: one(consoleOutput).length };
    case 'createImage': {
      const c = one(createImage);
      return { kind: 'createImage', name: c.name, metadata: c.metadata ?? {} };
    }
    case 'os-resetState':
      return { kind: 'resetState', state: one(resetState).state };
    case 'os-getSerialConsole':
      return { kind: 'serialConsole', type: one(getSerialConsoleArgs).type };
    default:
      void arg;
      throw new NotFound(`There is no such action: ${key}`);
  }
}
