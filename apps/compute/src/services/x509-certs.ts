import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandExecutor, CommandFailed } from '../drivers/command-executor';
import { InvalidKeypair } from './errors';
import type { GeneratedKeyPair } from './ssh-keys';

/**
 * The fingerprint Nova shows for an x509 key pair (nova/crypto.py generate_x509_fingerprint): the
 * SHA-1 of the PEM certificate's DER, colon-separated lower-case hex. A text that is not a PEM
 * certificate is Nova's 400 "Keypair data is invalid: failed to generate X509 fingerprint. Error
 * message: …".
 */
export function x509Fingerprint(pem: string): string {
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) {
    throw new InvalidKeypair('failed to generate X509 fingerprint. Error message: Unable to load PEM file. No certificate found');
  }
  try {
    return new X509Certificate(pem).fingerprint.toLowerCase();
  } catch (err) {
    throw new InvalidKeypair(`failed to generate X509 fingerprint. Error message: ${(err as Error).message}`);
  }
}

/** Nova's openssl config for the certificate (nova/crypto.py _create_x509_openssl_config): client auth, the user's UPN. */
function opensslConfig(upn: string): string {
  return [
    'distinguished_name  = req_distinguished_name',
    '[req_distinguished_name]',
    '[v3_req_client]',
    'extendedKeyUsage = clientAuth',
    `subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:${upn}`,
    '',
  ].join('\n');
}

/**
 * A generated x509 key pair as Nova makes one for WinRM (nova/crypto.py generate_winrm_x509_cert):
 * a self-signed certificate for `/CN=<user id>`, ten years, RSA `bits`; the "public key" is the PEM
 * certificate, the "private key" the base64 of a PKCS#12 bundle (key and certificate) with an empty
 * password. openssl does it, as in Nova, in a private scratch directory removed afterwards.
 */
export async function generateX509KeyPair(exec: CommandExecutor, userId: string, bits: number): Promise<GeneratedKeyPair> {
  // a user id is a name in the subject and in the config: nothing that could change their syntax
  if (!/^[A-Za-z0-9_.@-]{1,255}$/.test(userId)) throw new InvalidKeypair(`cannot make an X509 certificate for user id ${JSON.stringify(userId)}`);
  const dir = await mkdtemp(join(tmpdir(), 'kumo-x509-'));
  try {
    const conf = join(dir, 'temp.conf');
    const key = join(dir, 'temp.key');
    const cert = join(dir, 'temp.crt');
    const p12 = join(dir, 'temp.p12');
    await writeFile(conf, opensslConfig(`${userId}@localhost`), { mode: 0o600 });
    const run = (argv: string[]) =>
      exec.run(argv, { timeoutMs: 60_000 }).catch((err: unknown) => {
        throw err instanceof CommandFailed ? new Error(`x509 key pair generation failed: ${err.message}`) : err;
      });
    await run(['openssl', 'req', '-x509', '-nodes', '-days', '3650', '-config', conf, '-newkey', `rsa:${bits}`, '-outform', 'PEM', '-keyout', key, '-out', cert, '-subj', `/CN=${userId}`, '-extensions', 'v3_req_client']);
    await run(['openssl', 'pkcs12', '-export', '-inkey', key, '-in', cert, '-password', 'pass:', '-out', p12]);
    const publicKey = await readFile(cert, 'utf8');
    return { publicKey, privateKey: (await readFile(p12)).toString('base64'), fingerprint: x509Fingerprint(publicKey) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
