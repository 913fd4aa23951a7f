import type { KeyPairEntity } from '../../db/entities';

/** Python's datetime.isoformat() of a UTC time, as Nova serializes key pair times: `2014-05-07T12:06:13.681000`. */
export function novaIsoTime(d: Date | null): string | null {
  if (!d) return null;
  const s = d.toISOString().replace(/Z$/, '');
  return d.getUTCMilliseconds() === 0 ? s.replace(/\.\d+$/, '') : `${s}000`;
}

/** A created or imported key pair (2.1): private_key only when Kumo generated it. */
export function keypairCreateView(kp: KeyPairEntity, privateKey?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (privateKey !== undefined) out.private_key = privateKey;
  return { keypair: Object.assign(out, { name: kp.name, public_key: kp.publicKey, fingerprint: kp.fingerprint, user_id: kp.userId }) };
}

/** GET /os-keypairs: each item wrapped in its own `keypair` key, as Nova lists them. */
export function keypairListView(kps: KeyPairEntity[]): Record<string, unknown> {
  return { keypairs: kps.map((kp) => ({ keypair: { name: kp.name, public_key: kp.publicKey, fingerprint: kp.fingerprint } })) };
}

/** GET /os-keypairs/{name} (2.1): with Nova's database fields (integer id, deleted flags). */
export function keypairView(kp: KeyPairEntity): Record<string, unknown> {
  return {
    keypair: {
      name: kp.name,
      public_key: kp.publicKey,
      fingerprint: kp.fingerprint,
      user_id: kp.userId,
      created_at: novaIsoTime(kp.createdAt),
      deleted: false,
      deleted_at: null,
      id: kp.id,
      updated_at: novaIsoTime(kp.updatedAt),
    },
  };
}
