import { randomBytes } from 'node:crypto';
import { decodeToken, encodeToken, keystoneTime, newAuditId, SigningKey, TokenPayload } from '../../src/services/token-codec';

const key: SigningKey = { id: '1', secret: randomBytes(32) };
const keys = new Map([[key.id, key]]);
const payload: TokenPayload = {
  userId: 'a'.repeat(32),
  methods: ['password'],
  scope: { type: 'project', id: 'b'.repeat(32) },
  issuedAt: 1_700_000_000_000,
  expiresAt: 1_700_003_600_000,
  auditIds: [newAuditId()],
};

describe('token codec', () => {
  it('round-trips a payload', () => {
    expect(decodeToken(encodeToken(payload, key), keys)).toEqual(payload);
  });

  it('round-trips domain, system and application credential tokens', () => {
    for (const p of [
      { ...payload, scope: { type: 'domain' as const, id: 'default' } },
      { ...payload, scope: { type: 'system' as const, id: 'all' } },
      { ...payload, scope: undefined, methods: ['token', 'password'] },
      { ...payload, applicationCredentialId: 'c'.repeat(32), methods: ['application_credential'] },
    ]) {
      const decoded = decodeToken(encodeToken(p, key), keys)!;
      expect(decoded.scope).toEqual(p.scope);
      expect(decoded.methods).toEqual(p.methods);
      expect(decoded.applicationCredentialId).toEqual(p.applicationCredentialId);
    }
  });

  it('rejects a tampered payload, a forged signature and an unknown key', () => {
    const token = encodeToken(payload, key);
    const [kid, body, mac] = token.split('.');
    const forged = Buffer.from(Buffer.from(body, 'base64url').toString().replace('"u":"a', '"u":"b')).toString('base64url');
    expect(decodeToken(`${kid}.${forged}.${mac}`, keys)).toBeNull();
    expect(decodeToken(`${kid}.${body}.${mac.slice(0, -2)}AA`, keys)).toBeNull();
    expect(decodeToken(encodeToken(payload, { id: '2', secret: randomBytes(32) }), keys)).toBeNull();
    expect(decodeToken(encodeToken(payload, { id: '1', secret: randomBytes(32) }), keys)).toBeNull();
    expect(decodeToken('garbage', keys)).toBeNull();
    expect(decodeToken('', keys)).toBeNull();
  });

  it('makes Keystone-style audit ids and times', () => {
    expect(newAuditId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(keystoneTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678000Z');
  });
});
