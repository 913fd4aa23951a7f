import { createHash, generateKeyPair, KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import sshpk from 'sshpk';
import { InvalidKeypair } from './errors';

const generateRsa = promisify(generateKeyPair);

/** `aa:bb:...`: the colon-separated hex of a digest, as Nova and `ssh-keygen -E md5 -l` print it. */
function colonHex(digest: Buffer): string {
  return digest.toString('hex').match(/../g)!.join(':');
}

/**
 * The fingerprint Nova shows for an OpenSSH public key (nova/crypto.py generate_fingerprint): the
 * key must parse (ssh-rsa, ssh-dss, ecdsa-sha2-nistp256/384/521, ssh-ed25519; the type inside the
 * blob matching the one before it), and the fingerprint is the MD5 of the base64 blob, colon-hex.
 * Anything else is Nova's 400 "Keypair data is invalid: failed to generate fingerprint".
 */
export function sshFingerprint(publicKey: string): string {
  const m = /^(\S+) (\S+)/.exec(publicKey);
  if (!m) throw new InvalidKeypair('failed to generate fingerprint');
  try {
    const key = sshpk.parseKey(publicKey, 'ssh');
    const blob = Buffer.from(m[2], 'base64');
    // the blob as written must be the key that parsed (no trailing bytes, no other encoding)
    if (!blob.equals(key.toBuffer('rfc4253'))) throw new Error('blob differs');
  } catch {
    throw new InvalidKeypair('failed to generate fingerprint');
  }
  return colonHex(createHash('md5').update(Buffer.from(m[2], 'base64')).digest());
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** An SSH mpint (RFC 4251 §5): big-endian, no leading zero bytes, one 0x00 when the high bit is set. */
function mpint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const trimmed = b.subarray(i);
  return sshString(trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** `ssh-rsa <base64 blob>` of an RSA public key. */
export function opensshRsaPublicKey(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as { n: string; e: string };
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(Buffer.from(jwk.e, 'base64url')), mpint(Buffer.from(jwk.n, 'base64url'))]);
  return `ssh-rsa ${blob.toString('base64')}`;
}

export interface GeneratedKeyPair {
  /** PKCS#1 PEM (`-----BEGIN RSA PRIVATE KEY-----`), what paramiko's write_private_key gives. */
  privateKey: string;
  publicKey: string;
  fingerprint: string;
}

/** A new RSA key pair as Nova generates one (nova/crypto.py generate_key_pair, 2048 bits by default), off the event loop. */
export async function generateSshKeyPair(bits: number): Promise<GeneratedKeyPair> {
  const { publicKey, privateKey } = await generateRsa('rsa', { modulusLength: bits, publicExponent: 65537 });
  const pub = `${opensshRsaPublicKey(publicKey)} Generated-by-Nova`;
  return { privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, publicKey: pub, fingerprint: sshFingerprint(pub) };
}
