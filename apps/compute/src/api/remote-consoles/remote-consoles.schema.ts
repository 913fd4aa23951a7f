import { z } from 'zod';
import { parseBody } from '../validation';

/** Nova's remote_consoles create_v26 (2.6–2.7): protocol and type from its enums, nothing else. */
const createV26 = z
  .object({
    remote_console: z
      .object({
        protocol: z.enum(['vnc', 'spice', 'serial', 'rdp']),
        type: z.enum(['novnc', 'xvpvnc', 'spice-html5', 'serial', 'rdp-html5']),
      })
      .strict(),
  })
  .strict();

/** Nova's get_serial_console (the os-getSerialConsole action, 2.1–2.5): `type` must be `serial`. */
export const getSerialConsoleArgs = z.object({ type: z.enum(['serial']) }).strict();

export function parseRemoteConsole(body: unknown): { protocol: string; type: string } {
  return parseBody(createV26, body).remote_console;
}
