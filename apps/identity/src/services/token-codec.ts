import { Inject, Injectable } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { IDENTITY_CONFIG, IdentityConfig } from '../config';
import { KeyRepository } from './key-repository';

export type ScopeType = 'project' | 'domain' | 'system';

/** What a token carries. Names, roles and the catalog are looked up at validation, as Keystone does. */
export interface TokenPayload {
  userId: string;
  methods: string[];
  scope?: { type: ScopeType; id: string };
  /** Epoch milliseconds. */
  issuedAt: number;
  expiresAt: number;
  /** [this token's audit id, the audit id of the chain's first token (when rescoped)]. */
  auditIds: string[];
  applicationCredentialId?: string;
}

export interface SigningKey {
  id: string;
  secret: Buffer;
}

/** Keystone audit ids: 16 random bytes, url-safe base64 without padding (22 characters). */
export function newAuditId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Signed tokens: `<key id>.<base64url(JSON payload)>.<base64url(HMAC-SHA256)>`. Verifying needs only
 * the key, no database. The payload is readable (ids and times, no secrets), like a JWS.
 */
export function encodeToken(p: TokenPayload, key: SigningKey): string {
  const compact: Record<string, unknown> = { u: p.userId, m: p.methods, i: p.issuedAt, e: p.expiresAt, a: p.auditIds };
  if (p.scope) compact.s = [p.scope.type[0], p.scope.id];
  if (p.applicationCredentialId) compact.c = p.applicationCredentialId;
  const body = Buffer.from(JSON.stringify(compact)).toString('base64url');
  return `${key.id}.${body}.${sign(key.secret, `${key.id}.${body}`)}`;
}

function sign(secret: Buffer, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

const SCOPES = new Map<string, ScopeType>([
  ['p', 'project'],
  ['d', 'domain'],
  ['s', 'system'],
]);

/** Returns the payload of a well-signed token, or null (bad form, unknown key, bad signature). Expiry is the caller's check. */
export function decodeToken(token: string, keys: ReadonlyMap<string, SigningKey>): TokenPayload | null {
  if (token.length > 2048) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [kid, body, mac] = parts;
  const key = keys.get(kid);
  if (!key) return null;
  const expected = Buffer.from(sign(key.secret, `${kid}.${body}`));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as {
      u: string;
      m: string[];
      i: number;
      e: number;
      a: string[];
      s?: [string, string];
      c?: string;
    };
    const payload: TokenPayload = { userId: c.u, methods: c.m, issuedAt: c.i, expiresAt: c.e, auditIds: c.a };
    if (c.s) {
      const type = SCOPES.get(c.s[0]);
      if (!type) return null;
      payload.scope = { type, id: c.s[1] };
    }
    if (c.c) payload.applicationCredentialId = c.c;
    return payload;
  } catch {
    return null;
  }
}

/** Signs token payloads with the newest key of the key repository and parses tokens signed by any of its keys. */
@Injectable()
export class TokenCodec {
  private signing: SigningKey;
  private keys: ReadonlyMap<string, SigningKey>;

  constructor(@Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig) {
    const loaded = this.load();
    this.signing = loaded.signing;
    this.keys = loaded.all;
  }

  /** Re-reads the key repository (after `kumo-manage token rotate`). */
  reload(): void {
    const loaded = this.load();
    this.signing = loaded.signing;
    this.keys = loaded.all;
  }

  encode(payload: TokenPayload): string {
    return encodeToken(payload, this.signing);
  }

  /** The payload of a token signed by one of our keys, or null. Expiry is the caller's check. */
  decode(token: string): TokenPayload | null {
    return decodeToken(token, this.keys);
  }

  private load(): { signing: SigningKey; all: ReadonlyMap<string, SigningKey> } {
    return new KeyRepository(this.config.identity.key_repository).load();
  }
}

/** Keystone's time format: 2026-01-01T00:00:00.000000Z (Tempest parses only this or no fraction); `micros` replaces the fraction. */
export function keystoneTime(ms: number | Date, micros?: number | null): string {
  const iso = new Date(ms).toISOString(); // 2026-01-01T00:00:00.000Z
  if (micros !== undefined && micros !== null) return `${iso.slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
  return `${iso.slice(0, 23)}000Z`;
}
