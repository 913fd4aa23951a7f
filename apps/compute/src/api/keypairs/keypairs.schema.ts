import { z } from 'zod';
import type { NewKeyPair } from '../../services/keypairs.service';
import { isValidName, missing, repr } from '../validation';

/** Nova's keypair_name_special_chars (2.1–2.91): a name of `[_\- a-zA-Z0-9]`, 1–255, no edge whitespace. */
const keypairName = z.unknown().transform((v, ctx): string => {
  if (v === undefined) return missing(ctx, 'string');
  if (typeof v !== 'string') {
    ctx.addIssue({ code: 'custom', message: `${repr(v)} is not of type 'string'` });
    return z.NEVER;
  }
  if (!isValidName(v)) {
    ctx.addIssue({ code: 'custom', message: "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.", params: { whole: true } });
  } else if (v.length < 1) ctx.addIssue({ code: 'custom', message: `${repr(v)} is too short` });
  else if (v.length > 255) ctx.addIssue({ code: 'custom', message: `${repr(v)} is too long` });
  else if (!/^[_\- a-zA-Z0-9]+$/.test(v)) ctx.addIssue({ code: 'custom', message: `${repr(v)} does not match '^[_\\\\- a-zA-Z0-9]+$'` });
  return v;
});

/** POST /os-keypairs at 2.1: `{"keypair": {"name", "public_key"?}}` (no `type` before 2.2, no `user_id` before 2.10). */
export const createKeypairSchema = z
  .object({ keypair: z.object({ name: keypairName, public_key: z.string().optional() }).strict() })
  .strict()
  .transform(({ keypair }): NewKeyPair => ({ name: keypair.name.trim(), publicKey: keypair.public_key }));
