import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import sshpk from 'sshpk';
import { generateSshKeyPair, opensshRsaPublicKey, sshFingerprint } from '../../src/services/ssh-keys';

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures', name), 'utf8');

describe('ssh keys', () => {
  it('fingerprints keys as ssh-keygen -E md5 does (fixtures made and fingerprinted by ssh-keygen)', () => {
    for (const k of ['ed', 'rsa', 'ec']) expect(sshFingerprint(fixture(`${k}.pub`))).toBe(fixture(`${k}.md5`).trim());
    // without a comment or trailing newline
    expect(sshFingerprint(fixture('ed.pub').split(' ').slice(0, 2).join(' '))).toBe(fixture('ed.md5').trim());
  });

  it("refuses what is not one OpenSSH public key with Nova's message", () => {
    const blob = fixture('ed.pub').split(' ')[1];
    for (const bad of ['', 'ssh-rsa', 'ssh-rsa AAAA', `ssh-rsa ${blob}`, `ssh-ed25519 ${blob}AAAA`, ` ${fixture('ed.pub')}`, `ssh-ed25519\t${blob}`, 'ssh-ed25519 !!!!', '-----BEGIN PUBLIC KEY-----']) {
      expect(() => sshFingerprint(bad)).toThrow('Keypair data is invalid: failed to generate fingerprint');
    }
  });

  it('writes an RSA public key in the OpenSSH format sshpk reads back', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const text = opensshRsaPublicKey(publicKey);
    const parsed = sshpk.parseKey(text, 'ssh');
    expect(parsed.type).toBe('rsa');
    expect(parsed.size).toBe(1024);
    expect(sshpk.parseKey(publicKey.export({ type: 'spki', format: 'pem' }) as string, 'pem').fingerprint('md5').toString('hex')).toBe(sshFingerprint(text));
  });

  it('generates Nova-shaped key pairs whose private key matches the public one', async () => {
    const kp = await generateSshKeyPair(1024);
    expect(kp.publicKey).toMatch(/^ssh-rsa \S+ Generated-by-Nova$/);
    expect(kp.privateKey.startsWith('-----BEGIN RSA PRIVATE KEY-----\n')).toBe(true);
    expect(sshpk.parsePrivateKey(kp.privateKey, 'pem').toPublic().fingerprint('md5').toString('hex')).toBe(kp.fingerprint);
  });
});
