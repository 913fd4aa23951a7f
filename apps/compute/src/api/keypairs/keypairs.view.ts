import type { KeyPairEntity } from '../../db/entities';
import type { ApiVersion } from '../microversion';

/** Python's datetime.isoformat() of a UTC time, as Nova serializes key pair times: `2014-05-07T12:06:13.681000`. */
export function novaIsoTime(d: Date | null): string | null {
  if (!d) return null;
  const s = d.toISOString().replace(/Z$/, '');
  return d.getUTCMilliseconds() === 0 ? s.replace(/\.\d+$/, '') : `${s}000`;
}

/** Nova's views/keypairs.py: `type` (ssh or x509) is in every view from 2.2 on, never before. */
function withType(kp: KeyPairEntity, v: ApiVersion, body: Record<string, unknown>): Record<string, unknown> {
  if (v.atLeast('2.2')) body.type = kp.type;
  return body;
}

/** A created or imported key pair: private_key only when Kumo generated it, `type` from 2.2. */
export function keypairCreateView(kp: KeyPairEntity, v: ApiVersion, privateKey?: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (privateKey !== undefined) out.private_key = privateKey;
  return { keypair: withType(kp, v, Object.assign(out, { name: kp.name, public_key: kp.publicKey, fingerprint: kp.fingerprint, user_id: kp.userId })) };
}

/** GET /os-keypairs: each item wrapped in its own `keypair` key, as Nova lists them. */
export function keypairListView(kps: KeyPairEntity[], v: ApiVersion): Record<string, unknown> {
  return { keypairs: kps.map((kp) => ({ keypair: withType(kp, v, { name: kp.name, public_key: kp.publicKey, fingerprint: kp.fingerprint }) })) };
}

/** GET /os-keypairs/{name}: with Nova's database fields (integer id, deleted flags). */
export function keypairView(kp: KeyPairEntity, v: ApiVersion): Record<string, unknown> {
  return {
    keypair: withType(kp, v, {
      name: kp.name,
      public_key: kp.publicKey,
      fingerprint: kp.fingerprint,
      user_id: kp.userId,
      created_at: novaIsoTime(kp.createdAt),
      deleted: false,
      deleted_at: null,
      id: kp.id,
      updated_at: novaIsoTime(kp.updatedAt),
    }),
  };
}
