import { z } from 'zod';
import type { NewKeyPair } from '../../services/keypairs.service';
import { checkName, repr } from '../validation';

/** Nova's keypair_name_special_chars (2.1–2.91): a Nova name (printable, 1–255, no edge whitespace) of `[_\- a-zA-Z0-9]`. */
const keypairName = z.unknown().transform((v, ctx): string => {
  const name = checkName(v, ctx);
  if (name === undefined) return z.NEVER;
  if (!/^[_\- a-zA-Z0-9]+$/.test(name)) ctx.addIssue({ code: 'custom', message: `${repr(name)} does not match '^[_\\\\- a-zA-Z0-9]+$'` });
  return name;
});

/** POST /os-keypairs at 2.1: `{"keypair": {"name", "public_key"?}}` (no `type` before 2.2, no `user_id` before 2.10). */
export const createKeypairSchema = z
  .object({ keypair: z.object({ name: keypairName, public_key: z.string().optional() }).strict() })
  .strict()
  .transform(({ keypair }): NewKeyPair => ({ name: keypair.name.trim(), publicKey: keypair.public_key }));
