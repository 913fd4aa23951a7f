import { z } from 'zod';
import type { NewKeyPair } from '../../services/keypairs.service';
import type { ApiVersion } from '../microversion';
import { checkName, parseBody, repr } from '../validation';

/** Nova's keypair_name_special_chars (2.1–2.91): a Nova name (printable, 1–255, no edge whitespace) of `[_\- a-zA-Z0-9]`. */
const keypairName = z.unknown().transform((v, ctx): string => {
  const name = checkName(v, ctx);
  if (name === undefined) return z.NEVER;
  if (!/^[_\- a-zA-Z0-9]+$/.test(name)) ctx.addIssue({ code: 'custom', message: `${repr(name)} does not match '^[_\\\\- a-zA-Z0-9]+$'` });
  return name;
});

/** POST /os-keypairs at 2.1 (Nova's `create`): `{"keypair": {"name", "public_key"?}}`, always an ssh key pair. */
export const createKeypairSchema = z
  .object({ keypair: z.object({ name: keypairName, public_key: z.string().optional() }).strict() })
  .strict()
  .transform(({ keypair }): NewKeyPair => ({ name: keypair.name.trim(), publicKey: keypair.public_key, type: 'ssh' }));

/** 2.2–2.9 (Nova's `create_v22`): also `type`, `ssh` (the default) or `x509`; `user_id` comes with 2.10. */
export const createKeypairSchemaV22 = z
  .object({ keypair: z.object({ name: keypairName, type: z.enum(['ssh', 'x509']).optional(), public_key: z.string().optional() }).strict() })
  .strict()
  .transform(({ keypair }): NewKeyPair => ({ name: keypair.name.trim(), publicKey: keypair.public_key, type: keypair.type ?? 'ssh' }));

/** The create schema of a request's version. */
export function parseCreateKeypair(body: unknown, version: ApiVersion): NewKeyPair {
  return version.atLeast('2.2') ? parseBody(createKeypairSchemaV22, body) : parseBody(createKeypairSchema, body);
}
