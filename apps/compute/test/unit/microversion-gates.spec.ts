import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keypairStatus } from '../../src/api/keypairs/keypairs.controller';
import { parseCreateKeypair } from '../../src/api/keypairs/keypairs.schema';
import { keypairCreateView, keypairListView, keypairView } from '../../src/api/keypairs/keypairs.view';
import { ApiVersion, MAX_VERSION, negotiateVersion } from '../../src/api/microversion';
import { parseServerAction, WEBOB_BAD_REQUEST } from '../../src/api/server-actions/server-actions.schema';
import { parseServerListQuery } from '../../src/api/servers/servers.schema';
import { versionListView, versionView } from '../../src/api/versions/versions.view';
import type { KeyPairEntity } from '../../src/db/entities';
import { generatePassword, PASSWORD_SYMBOLS } from '../../src/services/passwords';
import { matchesIpFilter } from '../../src/services/servers.service';
import { x509Fingerprint } from '../../src/services/x509-certs';

const at = (v: string) => ApiVersion.parse(v);
const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures', name), 'utf8');

describe('the maximum microversion, 2.6', () => {
  it('is advertised exactly by / and /v2.1 (minimum 2.1) and is what latest asks for', () => {
    expect(MAX_VERSION).toBe('2.6');
    const list = versionListView('http://h:8774') as { versions: Array<{ id: string; version: string; min_version: string }> };
    expect(list.versions.find((v) => v.id === 'v2.1')).toMatchObject({ version: '2.6', min_version: '2.1' });
    expect(list.versions.find((v) => v.id === 'v2.0')).toMatchObject({ version: '', min_version: '' });
    expect((versionView('http://h:8774', 'v2.1') as { version: { version: string; min_version: string } }).version).toMatchObject({ version: '2.6', min_version: '2.1' });
    expect(String(negotiateVersion({ 'openstack-api-version': 'compute latest' }))).toBe('2.6');
  });

  it('serves every version from 2.1 to 2.6 and refuses 2.7 with 406 naming the range', () => {
    for (const v of ['2.1', '2.2', '2.3', '2.4', '2.5', '2.6']) expect(String(negotiateVersion({ 'x-openstack-nova-api-version': v }))).toBe(v);
    expect(() => negotiateVersion({ 'openstack-api-version': 'compute 2.7' })).toThrow(expect.objectContaining({ status: 406, message: 'Version 2.7 is not supported by the API. Minimum is 2.1 and maximum is 2.6.' }));
  });
});

describe('2.2: key pair type and statuses', () => {
  const kp = { id: 3, userId: 'u', name: 'k', fingerprint: 'aa:bb', publicKey: 'ssh-ed25519 AAAA c', type: 'x509', createdAt: new Date('2026-01-02T03:04:05Z'), updatedAt: null } as KeyPairEntity;

  it('puts type in the create, list and show views from 2.2 on, never before', () => {
    expect(keypairCreateView(kp, at('2.1'))).not.toHaveProperty('keypair.type');
    expect(keypairListView([kp], at('2.1')).keypairs).toEqual([{ keypair: { name: 'k', public_key: 'ssh-ed25519 AAAA c', fingerprint: 'aa:bb' } }]);
    expect(keypairView(kp, at('2.1'))).not.toHaveProperty('keypair.type');
    expect(keypairCreateView(kp, at('2.2'), 'PRIV').keypair).toEqual({ private_key: 'PRIV', type: 'x509', name: 'k', public_key: 'ssh-ed25519 AAAA c', fingerprint: 'aa:bb', user_id: 'u' });
    expect(keypairListView([kp], at('2.6')).keypairs).toEqual([{ keypair: { name: 'k', public_key: 'ssh-ed25519 AAAA c', fingerprint: 'aa:bb', type: 'x509' } }]);
    expect(keypairView(kp, at('2.2'))).toHaveProperty('keypair.type', 'x509');
  });

  it('answers create 200 / delete 202 at 2.1 and 201 / 204 from 2.2', () => {
    expect([keypairStatus('create', at('2.1')), keypairStatus('delete', at('2.1'))]).toEqual([200, 202]);
    for (const v of ['2.2', '2.6']) expect([keypairStatus('create', at(v)), keypairStatus('delete', at(v))]).toEqual([201, 204]);
  });

  it('reads type from 2.2 on (ssh by default, ssh or x509), refuses it at 2.1', () => {
    expect(parseCreateKeypair({ keypair: { name: 'k' } }, at('2.1'))).toEqual({ name: 'k', publicKey: undefined, type: 'ssh' });
    expect(() => parseCreateKeypair({ keypair: { name: 'k', type: 'ssh' } }, at('2.1'))).toThrow("Additional properties are not allowed ('type' was unexpected)");
    expect(parseCreateKeypair({ keypair: { name: 'k' } }, at('2.2')).type).toBe('ssh');
    expect(parseCreateKeypair({ keypair: { name: 'k', type: 'x509', public_key: 'P' } }, at('2.6'))).toEqual({ name: 'k', publicKey: 'P', type: 'x509' });
    expect(() => parseCreateKeypair({ keypair: { name: 'k', type: 'rsa' } }, at('2.2'))).toThrow(expect.objectContaining({ status: 400 }));
    // user_id is 2.10's
    expect(() => parseCreateKeypair({ keypair: { name: 'k', user_id: 'u2' } }, at('2.6'))).toThrow("Additional properties are not allowed ('user_id' was unexpected)");
  });

  it("fingerprints an x509 certificate as Nova does (SHA-1 of the DER, lower-case colon hex) and refuses what is not one", () => {
    expect(x509Fingerprint(fixture('x509.pem'))).toBe(fixture('x509.sha1').trim());
    expect(() => x509Fingerprint(fixture('ed.pub'))).toThrow(/^Keypair data is invalid: failed to generate X509 fingerprint\. Error message: /);
    expect(() => x509Fingerprint('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe('2.5: ip6 for everyone', () => {
  it("drops a non-admin's ip6 before 2.5 (the controller's opts), reads it from 2.5 on; ip is always read", () => {
    expect(parseServerListQuery({ ip6: '^fd00:', ip: '^10\\.' }, { ip6: false })).toMatchObject({ ip6: undefined, ip: '^10\\.' });
    expect(parseServerListQuery({ ip6: '^fd00:' }, { ip6: true }).ip6).toBe('^fd00:');
  });

  it("matches as Nova's _ip_filter: a fixed address of the filter's version, the regex from its start", () => {
    const addrs = [
      { version: 4 as const, address: '10.0.0.5' },
      { version: 6 as const, address: 'fd00::5' },
    ];
    expect(matchesIpFilter(addrs, '10\\.0')).toBe(true);
    expect(matchesIpFilter(addrs, '0\\.5')).toBe(false);
    expect(matchesIpFilter(addrs, undefined, 'fd00')).toBe(true);
    expect(matchesIpFilter(addrs, undefined, '10\\.')).toBe(false);
    expect(matchesIpFilter(addrs, 'fd00')).toBe(false);
    // a server without addresses (all of them until the network service) never matches
    expect(matchesIpFilter([], '.*', '.*')).toBe(false);
  });
});

describe('2.6: the console actions are gone', () => {
  it('parses os-getSerialConsole, os-getVNCConsole and os-getSPICEConsole at 2.1–2.5', () => {
    for (const v of ['2.1', '2.5']) {
      expect(parseServerAction({ 'os-getSerialConsole': { type: 'serial' } }, at(v))).toEqual({ kind: 'serialConsole', protocol: 'serial', type: 'serial' });
      expect(parseServerAction({ 'os-getVNCConsole': { type: 'novnc' } }, at(v))).toEqual({ kind: 'serialConsole', protocol: 'vnc', type: 'novnc' });
      expect(parseServerAction({ 'os-getSPICEConsole': { type: 'spice-html5' } }, at(v))).toEqual({ kind: 'serialConsole', protocol: 'spice', type: 'spice-html5' });
    }
    expect(() => parseServerAction({ 'os-getVNCConsole': { type: 'serial' } }, at('2.1'))).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => parseServerAction({ 'os-getRDPConsole': { type: 'rdp-html5' } }, at('2.1'))).toThrow(expect.objectContaining({ status: 400, message: WEBOB_BAD_REQUEST }));
  });

  it("answers all four with Nova's bare 404 from 2.6, before looking at the body", () => {
    for (const action of ['os-getSerialConsole', 'os-getVNCConsole', 'os-getSPICEConsole', 'os-getRDPConsole']) {
      for (const args of [{ type: 'serial' }, { bogus: 1 }]) {
        expect(() => parseServerAction({ [action]: args }, at('2.6'))).toThrow(expect.objectContaining({ status: 404, message: 'The resource could not be found.' }));
      }
    }
    // other actions are unchanged at 2.6
    expect(parseServerAction({ 'os-getConsoleOutput': { length: 5 } }, at('2.6'))).toEqual({ kind: 'console', length: 5 });
  });
});

describe('admin passwords', () => {
  it("generates Nova's passwords: the length asked, one of each symbol group, only Nova's symbols", () => {
    const all = PASSWORD_SYMBOLS.join('');
    const seen = new Set<string>();
    for (let n = 0; n < 200; n++) {
      const p = generatePassword(12);
      expect(p).toHaveLength(12);
      for (const g of PASSWORD_SYMBOLS) expect([...p].some((c) => g.includes(c))).toBe(true);
      expect([...p].every((c) => all.includes(c))).toBe(true);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
    expect(generatePassword(2)).toHaveLength(2);
    expect(generatePassword(0)).toBe('');
    expect(generatePassword(40)).toHaveLength(40);
  });
});
