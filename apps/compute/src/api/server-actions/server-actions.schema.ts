import { z } from 'zod';
import { BadRequest, NotFound } from '@kumo/common';
import { novaMetadata } from '../servers/servers.schema';
import { novaName, parseBody, repr } from '../validation';
import type { ApiVersion } from '../microversion';
import { getSerialConsoleArgs } from '../remote-consoles/remote-consoles.schema';

/** What POST /servers/{id}/action asks, parsed (Nova's schemas per action). */
export type ServerAction =
  | { kind: 'power'; name: 'os-start' | 'os-stop' | 'reboot-SOFT' | 'reboot-HARD' | 'pause' | 'unpause' | 'suspend' | 'resume' }
  | { kind: 'console'; length?: number }
  | { kind: 'createImage'; name: string; metadata: Record<string, string> }
  | { kind: 'resetState'; state: 'active' | 'error' }
  | { kind: 'serialConsole'; protocol: 'serial' | 'vnc' | 'spice'; type: string };

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

/** Nova's get_vnc_console and get_spice_console schemas (remote_consoles.py, 2.1–2.5): `type` from their enums. */
const vncConsole = z.object({ type: z.enum(['novnc', 'xvpvnc']) }).strict();
const spiceConsole = z.object({ type: z.enum(['spice-html5']) }).strict();

/** The console actions Nova removed at 2.6 (remote-consoles replaces them): `api_version("2.1", "2.5")`. */
const CONSOLE_ACTIONS = new Set(['os-getSerialConsole', 'os-getVNCConsole', 'os-getSPICEConsole', 'os-getRDPConsole']);

/** webob's HTTPBadRequest explanation, what Nova answers a bare 400 with. */
export const WEBOB_BAD_REQUEST = 'The server could not comply with the request since it is either malformed or otherwise incorrect.';

const SIMPLE = { 'os-start': 'os-start', 'os-stop': 'os-stop', pause: 'pause', unpause: 'unpause', suspend: 'suspend', resume: 'resume' } as const;

/**
 * The action a body names (its first key, as Nova dispatches); an unknown one is Nova's 400. The
 * console actions exist at 2.1–2.5 only: from 2.6 Nova's version check answers its bare 404 (before
 * the body is validated), as for a method it does not have.
 */
export function parseServerAction(body: unknown, version: ApiVersion): ServerAction {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('Malformed request body');
  const keys = Object.keys(body);
  if (!keys.length) throw new BadRequest('Malformed request body');
  const key = keys[0];
  const arg = (body as Record<string, unknown>)[key];
  const one = <T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>) => parseBody(z.object({ [key]: schema }).strict(), body)[key] as T;
  if (CONSOLE_ACTIONS.has(key) && version.atLeast('2.6')) throw new NotFound('The resource could not be found.');
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
      return { kind: 'serialConsole', protocol: 'serial', type: one(getSerialConsoleArgs).type };
    case 'os-getVNCConsole':
      return { kind: 'serialConsole', protocol: 'vnc', type: one(vncConsole).type };
    case 'os-getSPICEConsole':
      return { kind: 'serialConsole', protocol: 'spice', type: one(spiceConsole).type };
    case 'os-getRDPConsole':
      // removed with the Hyper-V driver (Nova 29.0.0): a bare 400 whatever the body
      throw new BadRequest(WEBOB_BAD_REQUEST);
    default:
      void arg;
      // nova/api/openstack/wsgi.py: an action no controller registers is a KeyError, answered 400
      throw new BadRequest(`There is no such action: ${key}`);
  }
}
